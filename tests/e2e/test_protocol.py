"""The MCP protocol over stdio, spoken raw (newline-delimited JSON-RPC) to check what an SDK
client would hide: malformed input, both eras' metadata rules, cancellation, progress,
timeouts, pagination and shutdown."""
import json
import os
import subprocess
import time

import pytest

from conftest import BIN, started

MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {}}


class Raw:
    """The server as a subprocess, one JSON message per line."""

    def __init__(self, kubeconfig, *flags, env=None):
        env = {"KUBECONFIG": kubeconfig, "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"),
               **(env or {})}
        self.p = subprocess.Popen([BIN, "serve", *flags], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, text=True, bufsize=1)
        # A reader thread, not select(): several lines arriving at once sit in Python's buffer,
        # where select() on the descriptor cannot see them.
        import queue
        import threading
        self.lines = queue.Queue()

        def pump(stream, q):
            for line in stream:
                q.put(line)
            q.put(None)
        threading.Thread(target=pump, args=(self.p.stdout, self.lines), daemon=True).start()

    def send(self, msg):
        self.p.stdin.write((msg if isinstance(msg, str) else json.dumps(msg)) + "\n")
        self.p.stdin.flush()

    def recv(self, timeout=20):
        import queue
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no message from the server in time") from None
        assert line, "server closed stdout"
        return json.loads(line)

    def until_id(self, id_, timeout=20):
        """Messages up to and including the response with `id_`."""
        seen = []
        while True:
            m = self.recv(timeout)
            seen.append(m)
            if m.get("id") == id_ and ("result" in m or "error" in m):
                return seen

    def request(self, id_, method, params=None):
        self.send({"jsonrpc": "2.0", "id": id_, "method": method, **({"params": params} if params is not None else {})})
        return self.until_id(id_)[-1]

    def initialize(self, version="2025-11-25"):
        r = self.request(0, "initialize", {"protocolVersion": version, "capabilities": {},
                                           "clientInfo": {"name": "raw", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return r

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
        return self.p.returncode


@pytest.fixture
def raw(cluster):
    with started(lambda *flags: Raw(cluster.kubeconfig, *flags)) as start:
        yield start


def test_initialize_negotiates_versions(raw):
    s = raw()
    r = s.initialize("2025-06-18")
    assert r["result"]["protocolVersion"] == "2025-06-18"
    assert r["result"]["serverInfo"]["name"] == "mcp-kubernetes"
    assert r["result"]["capabilities"]["tools"] == {"listChanged": True}
    s2 = raw()
    assert s2.initialize("1999-01-01")["result"]["protocolVersion"] == "2025-11-25"
    assert s.request(1, "ping") == {"jsonrpc": "2.0", "id": 1, "result": {}}


def test_malformed_input_never_crashes(raw):
    s = raw()
    s.send("{not json")
    assert s.recv()["error"]["code"] == -32700
    s.send('[{"jsonrpc":"2.0","id":1,"method":"ping"}]')
    assert s.recv()["error"]["code"] == -32600
    s.send('{"jsonrpc":"2.0","id":2,"method":"tools/list"}')
    e = s.recv()
    assert e["id"] == 2 and e["error"]["code"] == -32600 and "initialize" in e["error"]["message"]
    s.initialize()
    s.send('{"jsonrpc":"2.0","id":3,"method":"no/such"}')
    assert s.recv() == {"jsonrpc": "2.0", "id": 3, "error": {"code": -32601, "message": "Method not found: no/such"}}
    s.send('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"k8s_nope"}}')
    assert s.recv()["error"]["code"] == -32602
    s.send('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":"x"}')
    assert s.recv()["error"]["code"] == -32602
    s.send('{"jsonrpc":"2.0","method":"notifications/unknown"}')  # ignored
    s.send("   ")  # blank lines ignored
    assert s.request(6, "ping")["result"] == {}


def test_oversize_message_is_refused_and_server_goes_on(raw):
    s = raw("--max-request-size=4096")
    s.initialize()
    s.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x" * 10000}}))
    e = s.recv()
    assert e["error"]["code"] == -32600 and "larger than 4096 bytes" in e["error"]["message"]
    assert s.request(2, "ping")["result"] == {}


def test_modern_metadata_rules(raw):
    s = raw()  # no initialize: 2026-07-28 requests carry everything themselves
    d = s.request(1, "server/discover", {"_meta": MODERN_META})["result"]
    assert d["supportedVersions"] == ["2026-07-28"] and d["resultType"] == "complete"
    assert d["ttlMs"] >= 0 and d["cacheScope"] in ("public", "private")
    assert d["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "mcp-kubernetes"
    tl = s.request(2, "tools/list", {"_meta": MODERN_META})["result"]
    assert tl["resultType"] == "complete" and "ttlMs" in tl and "cacheScope" in tl and len(tl["tools"]) >= 9
    e = s.request(3, "tools/list", {"_meta": {**MODERN_META, "io.modelcontextprotocol/protocolVersion": "2099-01-01"}})
    assert e["error"]["code"] == -32022
    assert e["error"]["data"] == {"supported": ["2026-07-28"], "requested": "2099-01-01"}
    e = s.request(4, "tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}})
    assert e["error"]["code"] == -32602 and "clientCapabilities" in e["error"]["message"]
    e = s.request(5, "ping", {"_meta": MODERN_META})
    assert e["error"]["code"] == -32601
    e = s.request(6, "tools/list", {"_meta": {**MODERN_META, "io.modelcontextprotocol/logLevel": "loud"}})
    assert e["error"]["code"] == -32602


def test_tool_list_describes_annotations_and_schemas(raw):
    s = raw()
    s.initialize()
    tools = {t["name"]: t for t in s.request(1, "tools/list")["result"]["tools"]}
    assert set(tools) == {"k8s_list_contexts", "k8s_get_current_context", "k8s_switch_context",
                          "k8s_get_api_resources", "k8s_get_cluster_health", "k8s_get_resource",
                          "k8s_list_resources", "k8s_describe_resource", "k8s_get_pod_logs"}
    for t in tools.values():
        assert t["inputSchema"]["type"] == "object" and t["inputSchema"]["additionalProperties"] is False
        assert t["annotations"]["readOnlyHint"] is True and t["annotations"]["destructiveHint"] is False
        assert t["title"] and t["description"]
    assert tools["k8s_list_resources"]["inputSchema"]["properties"]["limit"]["maximum"] == 500
    assert "context" in tools["k8s_get_resource"]["inputSchema"]["properties"]
    assert tools["k8s_list_resources"]["outputSchema"]["required"] == ["items", "continue", "remainingItemCount"]
    e = s.request(2, "tools/list", {"cursor": "bogus"})
    assert e["error"]["code"] == -32602


def test_progress_notifications(raw, objects):
    s = raw()
    s.initialize()
    s.send({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "k8s_list_resources", "arguments": {"resourceType": "pods", "namespace": "e2e-read"},
                       "_meta": {"progressToken": "p-1"}}})
    msgs = s.until_id(7)
    progress = [m["params"] for m in msgs if m.get("method") == "notifications/progress"]
    assert [p["progress"] for p in progress] == [0, 1] and all(p["progressToken"] == "p-1" for p in progress)
    assert msgs[-1]["result"]["isError"] is False


def test_cancellation_stops_the_call(raw):
    # One request per 5 s: the second call waits in the client-side rate limiter until cancelled.
    s = raw("--qps-limit=0.2", "--burst-limit=1")
    s.initialize()
    call = {"name": "k8s_get_resource", "arguments": {"resourceType": "namespaces", "name": "default"}}
    assert s.request(1, "tools/call", call)["result"]["isError"] is False
    s.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call})
    time.sleep(0.3)
    t0 = time.monotonic()
    s.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 2, "reason": "user"}})
    # No answer to the cancelled request; the next one is answered.
    r = s.request(3, "ping")
    assert r["result"] == {} and time.monotonic() - t0 < 2


def test_rate_limit_that_cannot_fit_the_deadline_fails_fast(raw):
    s = raw("--qps-limit=0.2", "--burst-limit=1", "--tool-timeout=1s")
    s.initialize()
    call = {"name": "k8s_get_resource", "arguments": {"resourceType": "namespaces", "name": "default"}}
    s.request(1, "tools/call", call)
    t0 = time.monotonic()
    r = s.request(2, "tools/call", call)["result"]
    assert r["isError"] and "--qps-limit" in r["content"][0]["text"] and time.monotonic() - t0 < 1


def test_tool_timeout_stops_a_hanging_api_server(cluster, tmp_path):
    import socket
    import yaml
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)  # accepts connections and never answers
    kc = tmp_path / "hang.yaml"
    kc.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "hang",
        "clusters": [{"name": "h", "cluster": {"server": f"https://127.0.0.1:{hang.getsockname()[1]}",
                                                "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "hang", "context": {"cluster": "h", "user": "u"}}]}))
    s = Raw(f"{kc}:{cluster.kubeconfig}", "--tool-timeout=1s")
    try:
        s.initialize()
        t0 = time.monotonic()
        r = s.request(1, "tools/call", {"name": "k8s_get_resource",
                                        "arguments": {"resourceType": "namespaces", "name": "default"}})["result"]
        text = r["content"][0]["text"]
        assert time.monotonic() - t0 < 3
        assert r["isError"] and "within 1s" in text and "--tool-timeout" in text
        assert "stopped while loading the API discovery" in text, text
        assert "(in the TLS handshake with the API server at 127.0.0.1:" in text, text
        r = s.request(3, "tools/call", {"name": "k8s_get_cluster_health", "arguments": {}})["result"]
        assert "Unhealthy" in r["content"][0]["text"]  # health reports the hang as a verdict
        # the server is still fine for other contexts
        ok = s.request(2, "tools/call", {"name": "k8s_get_resource",
                                         "arguments": {"resourceType": "ns", "name": "default", "context": "admin"}})
        assert ok["result"]["isError"] is False
    finally:
        s.close()
        hang.close()


def test_logging_set_level_and_messages(raw):
    s = raw()
    s.initialize()
    call = {"name": "k8s_get_resource", "arguments": {"resourceType": "nodes", "name": "kwok-node-0",
                                                       "namespace": "x"}}
    s.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call})
    assert not [m for m in s.until_id(1) if m.get("method") == "notifications/message"]  # not asked for
    assert s.request(2, "logging/setLevel", {"level": "debug"})["result"] == {}
    s.send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": call})
    logs = [m["params"] for m in s.until_id(3) if m.get("method") == "notifications/message"]
    assert logs and logs[0]["level"] == "info" and "cluster-scoped" in logs[0]["data"]
    assert s.request(4, "logging/setLevel", {"level": "warning"})["result"] == {}
    s.send({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": call})
    assert not [m for m in s.until_id(5) if m.get("method") == "notifications/message"]  # below warning
    e = s.request(6, "logging/setLevel", {"level": "chatty"})
    assert e["error"]["code"] == -32602


def test_modern_per_request_log_level(raw):
    s = raw()
    call = {"name": "k8s_get_resource", "arguments": {"resourceType": "nodes", "name": "kwok-node-0",
                                                       "namespace": "x"}}
    s.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {**call, "_meta": {**MODERN_META, "io.modelcontextprotocol/logLevel": "info"}}})
    msgs = s.until_id(1)
    assert [m for m in msgs if m.get("method") == "notifications/message"]
    assert msgs[-1]["result"]["resultType"] == "complete"
    s.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {**call, "_meta": MODERN_META}})
    assert not [m for m in s.until_id(2) if m.get("method") == "notifications/message"]


def test_exits_on_eof_and_sigterm(cluster):
    s = Raw(cluster.kubeconfig)
    s.initialize()
    t0 = time.monotonic()
    assert s.close() == 0 and time.monotonic() - t0 < 3
    s = Raw(cluster.kubeconfig)
    s.initialize()
    s.p.terminate()
    assert s.p.wait(timeout=5) == 0
    assert "stopped" in s.p.stderr.read()


def test_stdout_carries_only_protocol(cluster):
    s = Raw(cluster.kubeconfig, "--debug")
    s.initialize()
    s.request(1, "tools/call", {"name": "k8s_list_contexts", "arguments": {}})
    s.p.stdin.close()
    s.p.wait(timeout=5)
    while (line := s.lines.get(timeout=5)) is not None:
        json.loads(line)
