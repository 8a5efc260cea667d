"""Proof that the test cluster is a real Kubernetes: workloads run on kwok's fake nodes, and
logs, exec and port-forward flow through the API server to the fake kubelet; RBAC is real;
two clusters run side by side; down leaves nothing behind."""
import json
import os
import pathlib
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from conftest import cluster_down, cluster_up, kubectl_path

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: proof-web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: proof-web}}
  template:
    metadata: {labels: {app: proof-web}}
    spec:
      containers:
      - {name: web, image: nginx:1.27, ports: [{containerPort: 80}]}
      - {name: sidecar, image: busybox:1.36}
"""


@pytest.fixture(scope="module")
def web_pods(cluster):
    cluster.kubectl("apply", "-f", "-", input=DEPLOYMENT)
    cluster.kubectl("rollout", "status", "deployment/proof-web", "--timeout=60s")
    out = cluster.kubectl("get", "pods", "-l", "app=proof-web", "-o", "json").stdout
    yield json.loads(out)["items"]
    cluster.kubectl("delete", "deployment/proof-web", "--wait=false")


def test_deployment_pods_run_on_kwok_nodes(web_pods):
    assert len(web_pods) == 3
    for pod in web_pods:
        assert pod["status"]["phase"] == "Running"
        assert pod["spec"]["nodeName"] in {"kwok-node-0", "kwok-node-1"}
        assert {c["name"] for c in pod["status"]["containerStatuses"]} == {"web", "sidecar"}
        assert all(c["ready"] for c in pod["status"]["containerStatuses"])
        assert pod["status"]["podIP"].startswith("10.244.")


def test_nodes_ready_with_addresses(cluster):
    nodes = json.loads(cluster.kubectl("get", "nodes", "-o", "json").stdout)["items"]
    assert sorted(n["metadata"]["name"] for n in nodes) == ["kwok-node-0", "kwok-node-1"]
    for n in nodes:
        ready = [c for c in n["status"]["conditions"] if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True"
        assert {"type": "InternalIP", "address": "127.0.0.1"} in n["status"]["addresses"]


def test_logs_flow_through_apiserver(cluster, web_pods):
    pod = web_pods[0]["metadata"]["name"]
    out = cluster.kubectl("logs", pod, "-c", "web").stdout
    assert out.splitlines()[0] == "line 1 from a kwok fake container"
    assert len(out.splitlines()) == 5
    tail = cluster.kubectl("logs", pod, "-c", "web", "--tail=2", "--timestamps").stdout.splitlines()
    assert len(tail) == 2 and tail[1].startswith("2026-01-01T00:00:05") and tail[1].endswith("line 5 from a kwok fake container")
    prev = cluster.kubectl("logs", pod, "-c", "web", "--previous").stdout
    assert "previous container instance said goodbye" in prev


def test_exec_output_and_exit_code(cluster, web_pods):
    pod = web_pods[0]["metadata"]["name"]
    proc = cluster.kubectl("exec", pod, "-c", "web", "--", "echo", "hi")
    assert proc.returncode == 0
    assert proc.stdout == "hi\n"
    proc = cluster.kubectl("exec", pod, "-c", "web", "--", "sh", "-c", "echo out; echo err >&2")
    assert proc.stdout == "out\n" and "err" in proc.stderr
    # stdin reaches the command (the end of stdin does not: see docs/testing.md, "Known limits")
    proc = cluster.kubectl("exec", "-i", pod, "-c", "web", "--", "head", "-n1", input="from stdin\n")
    assert proc.stdout == "from stdin\n"
    # a failing command fails kubectl (kwok reports a generic error, not the exit code: see
    # docs/testing.md, "Known limits")
    proc = cluster.kubectl("exec", pod, "-c", "web", "--", "false", check=False)
    assert proc.returncode != 0


def test_port_forward_moves_bytes(cluster, web_pods):
    pod = web_pods[0]["metadata"]["name"]
    pf = subprocess.Popen([kubectl_path(), f"--kubeconfig={cluster.kubeconfig}", "--context=admin",
                           "port-forward", f"pod/{pod}", ":80"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = pf.stdout.readline()  # "Forwarding from 127.0.0.1:NNNNN -> 80"
        port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        assert body.strip() == f"mcpk-portforward-ok {cluster.name}"
        # a second connection through the same forward
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).status == 200
    finally:
        pf.terminate()
        pf.wait(timeout=10)


def _context_user(cluster, context):
    cfg = yaml.safe_load(open(cluster.kubeconfig))
    ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == context)
    user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])
    server = next(c["cluster"]["server"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
    return server, user


def _raw(cluster, context, method, path, body=None):
    server, user = _context_user(cluster, context)
    req = urllib.request.Request(server + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": f"Bearer {user['token']}",
                                          "Content-Type": "application/json"})
    tls = ssl.create_default_context(cafile=str(cluster.dir / "pki" / "ca.crt"))
    try:
        with urllib.request.urlopen(req, context=tls, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_viewer_can_read_but_create_is_403(cluster):
    assert cluster.kubectl("get", "pods", "-A", context="viewer").returncode == 0
    proc = cluster.kubectl("create", "configmap", "nope", context="viewer", check=False)
    assert proc.returncode != 0 and "forbidden" in proc.stderr and "mcpk-viewer" in proc.stderr
    status, body = _raw(cluster, "viewer", "POST", "/api/v1/namespaces/default/configmaps",
                        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nope"}})
    assert status == 403 and body["reason"] == "Forbidden"


def test_restricted_only_in_team_a(cluster):
    status, _ = _raw(cluster, "restricted", "GET", "/api/v1/namespaces/team-a/pods")
    assert status == 200
    status, body = _raw(cluster, "restricted", "GET", "/api/v1/namespaces/default/pods")
    assert status == 403 and "mcpk-restricted" in body["message"]
    proc = cluster.kubectl("create", "configmap", "ok", context="restricted")  # namespace team-a
    assert proc.returncode == 0
    cluster.kubectl("delete", "configmap", "ok", context="restricted")


def _running(pid):
    """True while pid is a live process (a zombie waiting for init to reap it is not)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _pids(c):
    return [int(p.read_text().split()[0]) for p in (c.dir / "pids").iterdir()]


def capi_crd():
    """The real Cluster CRD of the sigs.k8s.io/cluster-api module (tests/cluster/build capi)."""
    versions = (pathlib.Path(__file__).parent / "versions.env").read_text()
    capi = re.search(r"^CAPI_VERSION=(\S+)", versions, re.M).group(1)
    cache = os.environ.get("MCPK_TESTBIN_CACHE", os.path.expanduser("~/.cache/mcp-kubernetes/testbins"))
    return pathlib.Path(cache) / f"capi-{capi}" / "cluster.x-k8s.io_clusters.yaml"


@pytest.mark.slow
def test_two_clusters_side_by_side_and_down_leaves_nothing():
    mgmt = cluster_up("mgmt")
    try:
        workload = cluster_up("workload", "--audit-log")
        try:
            servers = {c.name: _context_user(c, "admin")[0] for c in (mgmt, workload)}
            assert servers["mgmt"] != servers["workload"]
            mgmt.kubectl("create", "namespace", "only-in-mgmt")
            assert workload.kubectl("get", "namespace", "only-in-mgmt", check=False).returncode != 0
            # management cluster: the real Cluster API CRD (its 240 kB schema needs a server-side
            # apply), a workload Cluster with a status, and its kubeconfig Secret
            mgmt.kubectl("apply", "--server-side", "-f", str(capi_crd()))
            # (kubectl wait fails outright while the new CRD has no conditions yet: poll instead)
            deadline = time.monotonic() + 30
            while not any(c["type"] == "Established" and c["status"] == "True" for c in json.loads(
                    mgmt.kubectl("get", "crd/clusters.cluster.x-k8s.io", "-o", "json").stdout)
                    .get("status", {}).get("conditions") or []):
                assert time.monotonic() < deadline, "the Cluster CRD never became Established"
                time.sleep(0.1)
            host, port = re.match(r"https://([\d.]+):(\d+)", servers["workload"]).groups()
            mgmt.kubectl("apply", "-f", "-", input=yaml.safe_dump({
                "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
                "metadata": {"name": "workload", "namespace": "default"},
                "spec": {"controlPlaneEndpoint": {"host": host, "port": int(port)}}}))
            mgmt.kubectl("patch", "clusters.v1beta2.cluster.x-k8s.io", "workload", "--subresource=status",
                         "--type=merge", "-p", json.dumps({"status": {
                             "phase": "Provisioned",
                             "initialization": {"infrastructureProvisioned": True, "controlPlaneInitialized": True},
                             "conditions": [{"type": "Available", "status": "True", "reason": "Available", "message": "",
                                             "lastTransitionTime": "2026-12-01T00:00:00Z"}]}}))
            mgmt.kubectl("create", "secret", "generic", "workload-kubeconfig", "--type=cluster.x-k8s.io/secret",
                         f"--from-file=value={workload.kubeconfig}")
            got = json.loads(mgmt.kubectl("get", "clusters.v1beta1.cluster.x-k8s.io", "workload", "-o", "json").stdout)
            assert got["spec"]["controlPlaneEndpoint"]["port"] == int(port)
            got = json.loads(mgmt.kubectl("get", "clusters.v1beta2.cluster.x-k8s.io", "workload", "-o", "json").stdout)
            assert got["status"]["conditions"][0]["type"] == "Available"
            # the workload cluster's audit log says who each request acted as
            workload.kubectl("get", "pods", "--as=alice@example.com", "--as-group=team-view", check=False)
            events = [json.loads(line) for line in (workload.dir / "audit.log").read_text().splitlines()]
            seen = [e for e in events if e.get("impersonatedUser", {}).get("username") == "alice@example.com"]
            assert seen and "team-view" in seen[0]["impersonatedUser"]["groups"]
            assert seen[0]["user"]["groups"][0] == "system:masters"
            # both serve pods at once
            for c in (mgmt, workload):
                c.kubectl("run", "hello", "--image=busybox")
                c.kubectl("wait", "--for=condition=Ready", "pod/hello", "--timeout=30s")
                # kubectl's WebSocket exec right after Ready sometimes loses its streams under load
                # ("Unknown stream id", "closed all streams"); a second try is the harness's due.
                for attempt in range(3):
                    r = c.kubectl("exec", "hello", "--", "echo", c.name, check=False)
                    if r.returncode == 0 or "closed all streams" not in r.stderr:
                        break
                    time.sleep(1)
                assert r.stdout == f"{c.name}\n", r.stderr
            pids = _pids(mgmt) + _pids(workload)
        finally:
            cluster_down("workload")
    finally:
        cluster_down("mgmt")
    assert not mgmt.dir.exists() and not workload.dir.exists()
    time.sleep(0.2)
    alive = [p for p in pids if _running(p)]
    assert not alive, f"processes left behind: {alive}"


@pytest.mark.slow
def test_apiserver_accepts_an_authentication_configuration(tmp_path, cluster):
    # An OIDC issuer that is not (yet) up must not stop the API server from starting.
    ca = (cluster.dir / "pki" / "ca.crt").read_text()
    authn = tmp_path / "authn.yaml"
    authn.write_text(yaml.safe_dump({
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",
        "jwt": [{"issuer": {"url": "https://127.0.0.1:5999/oidc", "audiences": ["mcp-test"],
                            "certificateAuthority": ca},
                 "claimMappings": {"username": {"claim": "sub", "prefix": "oidc:"},
                                   "groups": {"claim": "groups", "prefix": "oidc:"}}}]}))
    c = cluster_up("oidc-ready", "--authentication-config", str(authn))
    try:
        flags = (c.dir / "logs" / "kube-apiserver.log").read_text()
        assert f'--authentication-config="{authn}"' in flags
        assert c.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"
        # static tokens still work beside the JWT authenticator
        assert c.kubectl("get", "pods", context="viewer").returncode == 0
    finally:
        cluster_down("oidc-ready")


def test_attach_streams_new_output(cluster, web_pods):
    # kwok's attach follows the attach log from its end: lines written after attaching arrive.
    pod = web_pods[0]["metadata"]["name"]
    att = subprocess.Popen([kubectl_path(), f"--kubeconfig={cluster.kubeconfig}", "--context=admin", "attach",
                            pod, "-c", "web"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        marker = f"attach-marker-{time.time_ns()}"
        with open(cluster.dir / "fake" / "attach.log", "a") as f:
            f.write(f"2026-01-01T00:00:09Z stdout F {marker}\n")
        deadline = time.monotonic() + 15
        seen = ""
        import select
        while time.monotonic() < deadline and marker not in seen:
            r, _, _ = select.select([att.stdout], [], [], 1)
            if r:
                seen += os.read(att.stdout.fileno(), 4096).decode()
        assert marker in seen
    finally:
        att.terminate()
        att.wait(timeout=10)
