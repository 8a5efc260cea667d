"""Authentication paths against the real API server: in-cluster service-account config (token
re-read after rotation) and exec credential plugins (cached until expiry, re-run on 401)."""
import base64
import json
import os
import re
import stat

import pytest
import yaml

from conftest import call_err, call_ok, connect, text_of


def server_and_ca(cluster):
    kc = yaml.safe_load(open(cluster.kubeconfig))
    c = kc["clusters"][0]["cluster"]
    return c["server"], base64.b64decode(c["certificate-authority-data"]).decode()


@pytest.fixture(scope="module")
def sa_token(cluster):
    cluster.kubectl("create", "serviceaccount", "mcpk-e2e", "-n", "default", check=False)
    cluster.kubectl("create", "clusterrolebinding", "mcpk-e2e-view", "--clusterrole=view",
                    "--serviceaccount=default:mcpk-e2e", check=False)
    return cluster.kubectl("create", "token", "mcpk-e2e", "-n", "default", "--duration=1h").stdout.strip()


async def test_in_cluster_mode(cluster, sa_token, tmp_path, anyio_backend):
    server, ca = server_and_ca(cluster)
    host, port = re.match(r"https://([\d.]+):(\d+)", server).groups()
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("not-a-valid-token")
    (sa / "ca.crt").write_text(ca)
    (sa / "namespace").write_text("default")
    env = {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port, "MCPK_SERVICEACCOUNT_DIR": str(sa)}
    async with connect("/nonexistent", "--in-cluster", env=env) as c:
        names = {t.name for t in (await c.list_tools()).tools}
        assert "k8s_list_contexts" not in names and "k8s_switch_context" not in names
        assert "context" not in next(t for t in (await c.list_tools()).tools
                                     if t.name == "k8s_get_resource").input_schema["properties"]
        msg = await call_err(c, "k8s_list_resources", resourceType="pods")
        assert "rejected the credentials" in msg and "not-a-valid-token" not in msg
        # The token rotates: the server re-reads the file after a 401.
        (sa / "token").write_text(sa_token)
        r = await call_ok(c, "k8s_list_resources", resourceType="namespaces", output="names")
        assert "default" in [i["name"] for i in r.structured_content["items"]]
        msg = await call_err(c, "k8s_get_resource", resourceType="secret", name="x", namespace="default")
        assert "system:serviceaccount:default:mcpk-e2e" in msg


def exec_kubeconfig(cluster, tmp_path, token, expires="2099-01-01T00:00:00Z", delay=0):
    server, ca = server_and_ca(cluster)
    calls = tmp_path / "calls"
    plugin = tmp_path / "cred-plugin"
    cred = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
            "status": {"token": token, "expirationTimestamp": expires}}
    plugin.write_text("#!/bin/sh\n"
                      f"echo \"$KUBERNETES_EXEC_INFO\" >> {calls}\n"
                      f"sleep {delay}\n"
                      f"cat {tmp_path}/cred.json\n")
    (tmp_path / "cred.json").write_text(json.dumps(cred))
    plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
    kc = tmp_path / "exec.yaml"
    kc.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "exec",
        "clusters": [{"name": "c", "cluster": {"server": server,
                                               "certificate-authority-data": base64.b64encode(ca.encode()).decode()}}],
        "users": [{"name": "e", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                 "command": "./cred-plugin", "provideClusterInfo": True,
                                                 "interactiveMode": "Never"}}}],
        "contexts": [{"name": "exec", "context": {"cluster": "c", "user": "e"}}]}))
    return str(kc), calls


async def test_exec_plugin_cached_until_expiry(cluster, sa_token, tmp_path, anyio_backend):
    kc, calls = exec_kubeconfig(cluster, tmp_path, sa_token)
    async with connect(kc) as c:
        await call_ok(c, "k8s_list_resources", resourceType="namespaces")
        await call_ok(c, "k8s_get_resource", resourceType="namespace", name="default")
    lines = calls.read_text().splitlines()
    assert len(lines) == 1  # one run for two calls: cached
    info = json.loads(lines[0])
    assert info["kind"] == "ExecCredential" and info["spec"]["interactive"] is False
    assert info["spec"]["cluster"]["server"].startswith("https://127.0.0.1:")


async def test_concurrent_first_calls_share_one_plugin_run_and_discovery(cluster, sa_token, tmp_path, anyio_backend):
    import anyio
    kc, calls = exec_kubeconfig(cluster, tmp_path, sa_token, delay=0.5)
    async with connect(kc) as c:
        results = []

        async def one(name):
            results.append(await call_ok(c, "k8s_get_resource", resourceType="namespace", name=name))
        async with anyio.create_task_group() as tg:
            for name in ["default", "kube-system", "kube-public", "default", "kube-system"]:
                tg.start_soon(one, name)
    assert len(results) == 5
    assert len(calls.read_text().splitlines()) == 1  # five callers, one plugin run


async def test_exec_plugin_rerun_after_401(cluster, sa_token, tmp_path, anyio_backend):
    kc, calls = exec_kubeconfig(cluster, tmp_path, "stale-token")
    async with connect(kc) as c:
        msg = await call_err(c, "k8s_list_resources", resourceType="namespaces")
        assert "rejected the credentials" in msg and "stale-token" not in msg
        cred = json.loads((tmp_path / "cred.json").read_text())
        cred["status"]["token"] = sa_token
        (tmp_path / "cred.json").write_text(json.dumps(cred))
        await call_ok(c, "k8s_list_resources", resourceType="namespaces")


async def test_exec_plugin_failure_is_reported(cluster, tmp_path, anyio_backend):
    kc, _ = exec_kubeconfig(cluster, tmp_path, "x")
    (tmp_path / "cred-plugin").write_text("#!/bin/sh\necho 'login required: run sso-login' >&2\nexit 3\n")
    async with connect(kc) as c:
        msg = await call_err(c, "k8s_list_resources", resourceType="pods")
        assert "exit 3" in msg and "login required" in msg


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on 127.0.0.1 that records the tunnels it opened."""

    def __init__(self):
        import socket
        import threading
        self.tunnels = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        import socket
        import threading
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    break
                head += chunk
            line = head.split(b"\r\n")[0].decode()
            method, target, _ = line.split(" ", 2)
            self.tunnels.append((method, target, b"proxy-authorization: basic" in head.lower()))
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

            def pipe(a, b):
                try:
                    while data := a.recv(65536):
                        b.sendall(data)
                except OSError:
                    pass
                finally:
                    for s in (a, b):
                        try:
                            s.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    def close(self):
        self.sock.close()


async def test_proxy_url_tunnels_through_http_connect(cluster, tmp_path, anyio_backend):
    proxy = ConnectProxy()
    try:
        kc = yaml.safe_load(open(cluster.kubeconfig))
        kc["clusters"][0]["cluster"]["proxy-url"] = f"http://user:pw@127.0.0.1:{proxy.port}"
        path = tmp_path / "proxied.yaml"
        path.write_text(yaml.safe_dump(kc))
        async with connect(str(path)) as c:
            await call_ok(c, "k8s_get_resource", resourceType="namespace", name="default")
        server = kc["clusters"][0]["cluster"]["server"].removeprefix("https://")
        assert proxy.tunnels and proxy.tunnels[0] == ("CONNECT", server, True)
        kc["clusters"][0]["cluster"]["proxy-url"] = "socks5://127.0.0.1:1080"
        path.write_text(yaml.safe_dump(kc))
        async with connect(str(path)) as c:
            msg = await call_err(c, "k8s_list_resources", resourceType="pods")
            assert "only http:// proxies" in msg
    finally:
        proxy.close()


def tls_variant(cluster, tmp_path, **cluster_fields):
    kc = yaml.safe_load(open(cluster.kubeconfig))
    c = kc["clusters"][0]["cluster"]
    for k, v in cluster_fields.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(kc))
    return str(path)


async def test_tls_options(cluster, tmp_path, anyio_backend):
    server, _ = server_and_ca(cluster)
    # insecure-skip-tls-verify without a CA
    kc = tls_variant(cluster, tmp_path, **{"certificate-authority-data": None, "insecure-skip-tls-verify": True})
    async with connect(kc) as c:
        await call_ok(c, "k8s_get_resource", resourceType="namespace", name="default")
    # tls-server-name: the serving certificate is for kubernetes.default, reached via 127.0.0.1
    kc = tls_variant(cluster, tmp_path, **{"tls-server-name": "kubernetes.default"})
    async with connect(kc) as c:
        await call_ok(c, "k8s_get_resource", resourceType="namespace", name="default")
    kc = tls_variant(cluster, tmp_path, **{"tls-server-name": "somewhere.else"})
    async with connect(kc) as c:
        msg = await call_err(c, "k8s_get_resource", resourceType="namespace", name="default")
        assert "TLS verification" in msg
    # the CA as a file, relative to the kubeconfig
    _, ca = server_and_ca(cluster)
    (tmp_path / "ca.pem").write_text(ca)
    kc = tls_variant(cluster, tmp_path, **{"certificate-authority-data": None, "certificate-authority": "ca.pem"})
    async with connect(kc) as c:
        await call_ok(c, "k8s_get_resource", resourceType="namespace", name="default")


async def test_429_retry_after_is_honoured(cluster, tmp_path, anyio_backend):
    import http.server
    import ssl
    import threading
    import time

    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            seen.append((self.path, time.monotonic()))
            if self.path == "/version" and len([p for p, _ in seen if p == "/version"]) == 1:
                body, status, extra = b'{"message":"slow down"}', 429, {"Retry-After": "1"}
            elif self.path == "/version":
                body, status, extra = b'{"gitVersion":"v9.9.9-fake"}', 200, {}
            elif self.path.startswith("/api/v1/nodes"):
                body, status, extra = b'{"kind":"NodeList","items":[]}', 200, {}
            else:
                body, status, extra = b"ok", 200, {}
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", "Content-Length": str(len(body)), **extra}.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cluster.dir / "pki" / "apiserver.crt", cluster.dir / "pki" / "apiserver.key")
    httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        kc = tls_variant(cluster, tmp_path, server=f"https://127.0.0.1:{httpd.server_address[1]}")
        async with connect(kc) as c:
            r = await call_ok(c, "k8s_get_cluster_health")
            assert r.structured_content["version"] == "v9.9.9-fake"
        versions = [t for p, t in seen if p == "/version"]
        assert len(versions) == 2 and versions[1] - versions[0] >= 0.9
    finally:
        httpd.shutdown()
