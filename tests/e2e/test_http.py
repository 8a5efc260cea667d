"""Streamable HTTP specifics, spoken raw: sessions, headers, Origin/Host checks, limits,
stateless requests, health endpoints, many sessions at once, graceful shutdown."""
import concurrent.futures
import ssl
import subprocess
import http.client
import time
import json
import urllib.error
import urllib.request

import pytest

from conftest import BIN, HttpServer, started

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {}}


@pytest.fixture
def srv(cluster):
    with started(lambda *flags: HttpServer(cluster.kubeconfig, *flags)) as start:
        yield start


def post(url, body, headers=None, raw=False):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", **(headers or {})}
    req = urllib.request.Request(url, data=data, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def call(url, method, headers=None, context=None):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def sse_messages(text):
    """The JSON-RPC messages of an SSE body (the priming event has no data)."""
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ") and line[6:]]


def answer(headers, text):
    """The JSON-RPC response in a reply: the body, or the last message of an SSE stream."""
    if headers.get("Content-Type") == "text/event-stream":
        return sse_messages(text)[-1]
    return json.loads(text)


def session(s):
    status, headers, body = post(s.url, INIT)
    assert status == 200 and json.loads(body)["result"]["protocolVersion"] == "2025-11-25"
    return headers["Mcp-Session-Id"]


def test_session_lifecycle(srv):
    s = srv()
    sid = session(s)
    assert len(sid) == 32
    h = {"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"}
    assert post(s.url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, h)[0] == 202
    status, _, body = post(s.url, {"jsonrpc": "2.0", "id": 2, "method": "ping"}, h)
    assert status == 200 and json.loads(body)["result"] == {}
    # missing, unknown, deleted sessions
    status, _, body = post(s.url, {"jsonrpc": "2.0", "id": 3, "method": "ping"})
    assert status == 400 and "Mcp-Session-Id" in body
    assert post(s.url, {"jsonrpc": "2.0", "id": 4, "method": "ping"}, {"Mcp-Session-Id": "nope"})[0] == 404
    assert call(s.url, "DELETE", {"Mcp-Session-Id": sid})[0] == 204
    assert post(s.url, {"jsonrpc": "2.0", "id": 5, "method": "ping"}, h)[0] == 404
    assert post(s.url, {"jsonrpc": "2.0", "id": 6, "method": "ping"},
                {"Mcp-Session-Id": session(s), "MCP-Protocol-Version": "1999-01-01"})[0] == 400


def test_origin_and_host_checks(srv):
    s = srv()
    assert post(s.url, INIT, {"Origin": "http://evil.example.com"})[0] == 403
    assert post(s.url, INIT, {"Host": "evil.example.com"})[0] == 403
    assert post(s.url, INIT, {"Origin": "http://localhost:3000"})[0] == 200
    t = srv("--allowed-origins=https://app.example.com")
    assert post(t.url, INIT, {"Origin": "https://app.example.com", "Host": "app.example.com"})[0] == 200
    assert post(t.url, INIT, {"Origin": "https://other.example.com"})[0] == 403


def test_limits_and_bad_input(srv):
    s = srv("--max-request-size=4096")
    status, _, body = post(s.url, {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": "y" * 10000}})
    assert status == 413 and "--max-request-size" in body
    status, _, body = post(s.url, b"{not json")
    assert status == 400 and json.loads(body)["error"]["code"] == -32700
    assert post(s.url, INIT, {"Content-Type": "text/plain"})[0] == 415
    assert call(s.url, "GET")[0] == 405
    assert call(s.base + "/elsewhere", "GET")[0] == 404
    assert session(s)  # still serving


def test_stateless_requests_and_header_checks(srv):
    s = srv()
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": MODERN_META}}
    status, _, text = post(s.url, body, {"Mcp-Method": "tools/list", "MCP-Protocol-Version": "2026-07-28"})
    assert status == 200 and json.loads(text)["result"]["resultType"] == "complete"
    status, _, text = post(s.url, body, {"Mcp-Method": "tools/call"})
    assert status == 400 and json.loads(text)["error"]["code"] == -32020
    call_body = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "k8s_list_contexts", "arguments": {}, "_meta": MODERN_META}}
    status, _, text = post(s.url, call_body, {"Mcp-Method": "tools/call", "Mcp-Name": "k8s_get_resource"})
    assert status == 400 and json.loads(text)["error"]["code"] == -32020
    status, _, text = post(s.url, call_body, {"Mcp-Method": "tools/call", "Mcp-Name": "k8s_list_contexts"})
    assert status == 200 and json.loads(text)["result"]["isError"] is False
    bad = {"jsonrpc": "2.0", "id": 3, "method": "tools/list",
           "params": {"_meta": {**MODERN_META, "io.modelcontextprotocol/protocolVersion": "2099-01-01"}}}
    status, _, text = post(s.url, bad, {"Mcp-Method": "tools/list"})
    assert status == 400 and json.loads(text)["error"]["data"]["supported"] == ["2026-07-28"]
    ping = {"jsonrpc": "2.0", "id": 4, "method": "ping", "params": {"_meta": MODERN_META}}
    assert post(s.url, ping, {"Mcp-Method": "ping"})[0] == 404
    # The header names 2026-07-28: a body without its _meta version is refused (-32602), and a
    # header that disagrees with _meta is a header mismatch (-32020), both 400.
    h = {"Mcp-Method": "tools/list", "MCP-Protocol-Version": "2026-07-28"}
    for params in [{}, {"_meta": {"io.modelcontextprotocol/clientCapabilities": {}}}]:
        status, _, text = post(s.url, {"jsonrpc": "2.0", "id": 5, "method": "tools/list", "params": params}, h)
        assert status == 400 and json.loads(text)["error"]["code"] == -32602 and json.loads(text)["id"] == 5
    status, _, text = post(s.url, bad, h)
    assert status == 400 and json.loads(text)["error"]["code"] == -32020


def test_sse_answer_carries_progress_and_disable_streaming(srv, objects):
    body = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "k8s_list_resources", "arguments": {"resourceType": "pods", "namespace": "e2e-read"},
                       "_meta": {"progressToken": "t"}}}
    s = srv()
    h = {"Mcp-Session-Id": session(s)}
    status, headers, text = post(s.url, body, h)
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    events = sse_messages(text)
    assert [e.get("method") for e in events[:-1]] == ["notifications/progress"] * 2 and events[-1]["id"] == 2
    # A priming event (id, retry, empty data) opens the stream; every message has an id.
    assert text.startswith("id: ") and "retry: " in text.split("\n\n")[0]
    assert len([line for line in text.splitlines() if line.startswith("id: ")]) == 4
    t = srv("--disable-streaming")
    status, headers, text = post(t.url, body, {"Mcp-Session-Id": session(t)})
    assert headers["Content-Type"] == "application/json" and json.loads(text)["id"] == 2


def test_health_endpoints(srv, cluster, tmp_path):
    s = srv()
    assert call(s.base + "/healthz", "GET") == (200, "ok\n")
    assert call(s.base + "/readyz", "GET") == (200, "ok\n")
    # /readyz checks that the default cluster answers, and says why not.
    import yaml
    kc = yaml.safe_load(open(cluster.kubeconfig))
    for c in kc["clusters"]:
        c["cluster"]["server"] = "https://127.0.0.1:1"
    bad = tmp_path / "unreachable.yaml"
    bad.write_text(yaml.safe_dump(kc))
    u = HttpServer(str(bad))
    try:
        assert call(u.base + "/healthz", "GET") == (200, "ok\n")
        status, body = call(u.base + "/readyz", "GET")
        assert status == 503 and body.startswith("not ready: cannot reach the API server at 127.0.0.1:1"), body
    finally:
        u.close()


def test_many_concurrent_sessions(srv):
    s = srv()

    def one(i):
        sid = session(s)
        h = {"Mcp-Session-Id": sid}
        status, hd, text = post(s.url, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                       "params": {"name": "k8s_get_resource",
                                                  "arguments": {"resourceType": "namespace", "name": "default"}}}, h)
        return status == 200 and answer(hd, text)["result"]["isError"] is False

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one, range(100)))
    assert all(results)


def test_sigterm_shuts_down_cleanly(srv):
    s = srv()
    g = SseReader(s, "GET", headers={"Mcp-Session-Id": session(s)})
    assert g.event()["data"] == ""
    t0 = time.monotonic()
    assert s.close() == 0 and time.monotonic() - t0 < 3
    assert g.event() is None  # the server-to-client stream was ended, not cut


def test_graceful_shutdown_finishes_calls_in_flight(srv):
    import threading
    import time
    # One API request per 5 s: the second call waits in the rate limiter while SIGTERM arrives.
    s = srv("--qps-limit=0.2", "--burst-limit=1", "--shutdown-timeout=10s")
    h = {"Mcp-Session-Id": session(s)}
    call_body = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "k8s_get_resource", "arguments": {"resourceType": "namespace", "name": "default"}}}
    assert post(s.url, call_body, h)[0] == 200
    result = {}
    t = threading.Thread(target=lambda: result.update(r=post(s.url, {**call_body, "id": 3}, h)))
    t.start()
    time.sleep(1)
    t0 = time.monotonic()
    s.p.terminate()
    t.join(timeout=20)
    status, headers, body = result["r"]
    assert status == 200 and answer(headers, body)["result"]["isError"] is False
    assert s.p.wait(timeout=15) == 0 and time.monotonic() - t0 < 12


class SseReader:
    """An SSE response read event by event over a raw connection (so a test can drop it)."""

    def __init__(self, s, method, body=None, headers=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=20)
        h = {"Accept": "text/event-stream, application/json", "Content-Type": "application/json", **(headers or {})}
        self.conn.request(method, "/mcp", body=json.dumps(body) if body is not None else None, headers=h)
        self.resp = self.conn.getresponse()

    def event(self):
        fields = {}
        while True:
            line = self.resp.readline()
            if not line:
                return None  # the stream ended
            line = line.decode().rstrip("\r\n")
            if not line:
                if fields:
                    return fields
                continue
            if line.startswith(":") or ":" not in line:
                continue
            k, v = line.split(":", 1)
            fields[k] = v[1:] if v.startswith(" ") else v

    def close(self):
        self.conn.sock.close()


def test_get_stream_and_resumption_after_a_dropped_stream(srv, objects):
    s = srv("--non-destructive=false")
    sid = session(s)
    h = {"Mcp-Session-Id": sid}
    # A tools/call that takes a while answers with an SSE stream that opens with a priming event.
    call_body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                 "params": {"name": "k8s_exec_pod", "arguments": {
                     "podName": "single", "namespace": "e2e-read", "command": ["sh", "-c", "sleep 1; echo late"]}}}
    r = SseReader(s, "POST", call_body, h)
    assert r.resp.status == 200 and r.resp.getheader("Content-Type") == "text/event-stream"
    first = r.event()
    assert first["data"] == "" and first["id"].endswith("-0") and first["retry"] == "1000"
    r.close()  # the client loses the stream before the answer; the call goes on
    # GET with Last-Event-ID resumes that stream: the answer arrives there, then the stream ends.
    g = SseReader(s, "GET", headers={**h, "Last-Event-ID": first["id"]})
    assert g.resp.status == 200
    ev = g.event()
    msg = json.loads(ev["data"])
    assert msg["id"] == 7 and msg["result"]["structuredContent"]["stdout"] == "late\n"
    assert ev["id"] == first["id"].replace("-0", "-1") and g.event() is None
    # Delivered streams are dropped; an id that is not ours is refused.
    for bad in [first["id"], "nonsense", "999-0"]:
        status, _ = call(s.url, "GET", {**h, "Accept": "text/event-stream", "Last-Event-ID": bad})
        assert status == 400, bad
    # GET opens the server-to-client stream; a second GET replaces it and the first ends cleanly.
    a = SseReader(s, "GET", headers=h)
    assert a.resp.status == 200 and a.event()["data"] == ""
    b = SseReader(s, "GET", headers=h)
    assert b.event()["data"] == "" and a.event() is None
    # DELETE ends the session and its stream.
    assert call(s.url, "DELETE", h)[0] == 204 and b.event() is None
    # Without a session GET is not offered (the 2026-07-28 revision has no server stream); with
    # an unknown one it is 404; an Accept without text/event-stream is 406.
    assert call(s.url, "GET", {"Accept": "text/event-stream"})[0] == 405
    assert call(s.url, "GET", {**h, "Accept": "text/event-stream"})[0] == 404
    assert call(s.url, "GET", {"Mcp-Session-Id": session(s), "Accept": "application/json"})[0] == 406


def test_quick_calls_answer_with_json(srv):
    s = srv()
    h = {"Mcp-Session-Id": session(s)}
    status, headers, text = post(s.url, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                         "params": {"name": "k8s_list_contexts", "arguments": {}}}, h)
    assert status == 200 and headers["Content-Type"] == "application/json" and json.loads(text)["id"] == 3


def test_idle_sessions_expire(srv):
    s = srv("--session-idle-timeout=1s")
    h = {"Mcp-Session-Id": session(s)}
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    assert post(s.url, ping, h)[0] == 200
    kept = {"Mcp-Session-Id": session(s)}
    g = SseReader(s, "GET", headers=kept)  # a session with an open stream is not idle
    assert g.event()["data"] == ""
    time.sleep(2)
    status, _, text = post(s.url, ping, h)
    assert status == 404 and "initialize again" in json.loads(text)["error"]["message"]
    assert post(s.url, ping, kept)[0] == 200
    g.close()


def test_tls(srv, tmp_path, cluster):
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    s = srv(f"--tls-cert-file={cert}", f"--tls-key-file={key}")
    assert s.url.startswith("https://")
    ctx = ssl.create_default_context(cafile=str(cert))
    conn = http.client.HTTPSConnection("127.0.0.1", s.port, context=ctx, timeout=10)
    conn.request("POST", "/mcp", body=json.dumps(INIT),
                 headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    r = conn.getresponse()
    assert r.status == 200 and json.loads(r.read())["result"]["serverInfo"]["name"] == "mcp-kubernetes"
    sid = r.getheader("Mcp-Session-Id")
    # Keep-alive over TLS, then a tools/call.
    conn.request("POST", "/mcp", body=json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
                 headers={"Content-Type": "application/json", "Accept": "application/json", "Mcp-Session-Id": sid})
    r = conn.getresponse()
    assert r.status == 200 and len(json.loads(r.read())["result"]["tools"]) > 5
    conn.close()
    assert call(s.base + "/healthz", "GET", context=ctx) == (200, "ok\n")
    # Plain HTTP to the TLS port gets no answer; the server goes on serving.
    with pytest.raises((http.client.HTTPException, OSError)):
        plain = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
        plain.request("GET", "/healthz")
        plain.getresponse().read()
    assert call(s.base + "/healthz", "GET", context=ctx) == (200, "ok\n")
    # A key that is not PEM is refused at start with the flag named.
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    p = subprocess.run([BIN, "serve", "--transport=streamable-http", "--http-addr=127.0.0.1:0",
                        "--metrics-addr=127.0.0.1:0", f"--tls-cert-file={cert}", f"--tls-key-file={bad}"],
                       capture_output=True, text=True, timeout=10, env={"KUBECONFIG": cluster.kubeconfig})
    assert p.returncode == 2 and "--tls-key-file" in p.stderr


def test_slow_clients_do_not_stall_others_and_session_cap(srv):
    import socket
    s = srv("--max-sessions=2", "--disable-streaming")
    # A client that sends half a request and stops, and one that never reads its answers.
    stuck = socket.create_connection(("127.0.0.1", s.port))
    stuck.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
    deaf = socket.create_connection(("127.0.0.1", s.port))
    deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    deaf.sendall((b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(req), req)) * 200)
    t0 = time.monotonic()
    h = {"Mcp-Session-Id": session(s)}
    status, _, text = post(s.url, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, h)
    assert status == 200 and json.loads(text)["result"]["tools"] and time.monotonic() - t0 < 2
    # --max-sessions: the third session is refused (503) until one ends.
    second = session(s)
    assert post(s.url, INIT)[0] == 503
    assert call(s.url, "DELETE", {"Mcp-Session-Id": second})[0] == 204
    session(s)
    # --disable-streaming: no GET stream.
    assert call(s.url, "GET", {**h, "Accept": "text/event-stream"})[0] == 405
    stuck.close()
    deaf.close()


def test_delete_cancels_calls_in_flight(srv, objects):
    s = srv("--non-destructive=false")
    h = {"Mcp-Session-Id": session(s)}
    body = {"jsonrpc": "2.0", "id": 9, "method": "tools/call",
            "params": {"name": "k8s_exec_pod", "arguments": {
                "podName": "single", "namespace": "e2e-read", "command": ["sleep", "42.5"], "timeoutSeconds": 60}}}
    r = SseReader(s, "POST", body, h)
    assert r.event()["data"] == ""  # the call is running
    t0 = time.monotonic()
    assert call(s.url, "DELETE", h)[0] == 204
    while (ev := r.event()) is not None:  # the stream ends soon, not after the command
        pass
    assert time.monotonic() - t0 < 2
    # The cancelled command is stopped too (a second exec signals its watchdog), long before
    # its timeoutSeconds.
    while subprocess.run(["pgrep", "-f", "sleep 42.5"], capture_output=True).returncode == 0:
        assert time.monotonic() - t0 < 5, "the cancelled command is still running"
        time.sleep(0.1)


def raw(port, data, timeout=5):
    """Sends raw bytes; returns everything the server answers until it closes (or times out)."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(data)
        out = b""
        try:
            while chunk := c.recv(65536):
                out += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    return out.decode(errors="replace")


def test_strict_http_framing(srv):
    s = srv()
    ping = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    smuggled = b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 41\r\n\r\n"
    # An unknown or layered Transfer-Encoding is refused and the connection closed: the bytes
    # after it never run as a second request.
    for te in (b"xchunked", b"chunked, identity", b"identity"):
        out = raw(s.port, b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                          b"Transfer-Encoding: " + te + b"\r\n\r\n" + smuggled + ping)
        assert out.startswith("HTTP/1.1 400") and out.count("HTTP/1.1") == 1, (te, out)
    out = raw(s.port, b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"
                      b"Content-Type: application/json\r\n\r\n0\r\n\r\n")
    assert out.startswith("HTTP/1.1 400") and "Content-Length" in out
    for hosts in (b"", b"Host: localhost\r\nHost: localhost\r\n", b"Host: a:80:evil\r\n", b"Host: a b\r\n"):
        out = raw(s.port, b"GET /healthz HTTP/1.1\r\n" + hosts + b"\r\n")
        assert out.startswith("HTTP/1.1 400") and "Host" in out, (hosts, out)
    assert raw(s.port, b"GET /healthz HTTP/1.1\r\nHost: localhost:8080\r\nConnection: close\r\n\r\n"
               ).startswith("HTTP/1.1 200")
    assert raw(s.port, b"GET /healthz HTTP/1.0\r\n\r\n").startswith("HTTP/1.0 200")  # 1.0 needs no Host
    # Media types are parsed, not matched as substrings.
    assert post(s.url, INIT, {"Content-Type": "text/html; x=application/json"})[0] == 415
    assert post(s.url, INIT, {"Content-Type": "Application/JSON; charset=utf-8"})[0] == 200


def test_slow_headers_are_cut_off_and_the_listener_survives(srv):
    import socket
    s = srv()
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", s.port), timeout=30) as c:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: localh")  # never finishes its headers
        assert c.recv(100) == b""  # closed by the server's header timeout
    print(f"unfinished headers: closed after {time.monotonic() - t0:.1f} s")
    assert time.monotonic() - t0 < 15
    assert call(s.base + "/healthz", "GET")[0] == 200


def test_accept_errors_do_not_kill_the_listener(cluster, tmp_path):
    """Past the descriptor limit accept() fails; the server logs, backs off and serves again."""
    import resource
    import socket
    import subprocess
    from conftest import BIN
    limit = "resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))"
    p = subprocess.Popen(
        ["python3", "-c", f"import resource, os, sys; {limit}; os.execv(sys.argv[1], sys.argv[1:])", BIN, "serve",
         "--transport=streamable-http", "--http-addr=127.0.0.1:0", "--metrics-enabled=false"],
        env={"KUBECONFIG": cluster.kubeconfig, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        import re
        port = None
        while port is None:
            line = p.stderr.readline()
            assert line, "server did not start"
            m = re.search(r"on [\d.]+:(\d+)", line)
            port = int(m.group(1)) if m else None
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(80)]
        time.sleep(0.5)
        for c in held:
            c.close()
        t_closed = time.monotonic()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        print(f"listener serving again {time.monotonic() - t_closed:.2f} s after 80 connections closed")
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the listener did not recover")
    finally:
        p.terminate()
        p.wait(timeout=10)
    del resource
