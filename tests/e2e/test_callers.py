"""What a caller owns is its own: port-forwards of the stateless era and session-era sessions
are keyed by the caller in the request scope. Until OAuth provides real identities, the test-only
MCPK_TEST_CALLER_HEADER middleware names the caller; without it every caller is the one local user."""
import json

import pytest

from conftest import HttpServer, started
from test_http import INIT, MODERN_META, answer, call, post

NS = "e2e-read"
WHO = "X-Test-Caller"


@pytest.fixture
def srv(cluster):
    with started(lambda *flags, env=None: HttpServer(cluster.kubeconfig, "--non-destructive=false", *flags,
                                                     env=env)) as start:
        yield start


def tool(s, name, args, caller=None):
    """A stateless (2026-07-28) tools/call as `caller`; the JSON-RPC result."""
    h = {"Mcp-Method": "tools/call", "Mcp-Name": name, "MCP-Protocol-Version": "2026-07-28"}
    if caller:
        h[WHO] = caller
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": name, "arguments": args, "_meta": MODERN_META}}
    status, headers, text = post(s.url, body, h)
    assert status == 200, text
    return answer(headers, text)["result"]


def forwards(s, caller=None):
    return tool(s, "k8s_list_port_forwards", {}, caller)["structuredContent"]["sessions"]


def test_each_caller_sees_and_stops_only_its_own_port_forwards(srv, objects):
    s = srv(env={"MCPK_TEST_CALLER_HEADER": WHO})
    a = tool(s, "k8s_port_forward_pod", {"podName": "single", "namespace": NS, "ports": [":80"]}, "alice")
    b = tool(s, "k8s_port_forward_pod", {"podName": "multi", "namespace": NS, "ports": [":80"]}, "bob")
    ida, idb = a["structuredContent"]["sessionId"], b["structuredContent"]["sessionId"]
    assert [f["sessionId"] for f in forwards(s, "alice")] == [ida]
    assert [f["sessionId"] for f in forwards(s, "bob")] == [idb]
    assert forwards(s, "carol") == []
    # bob cannot stop alice's forward, even knowing its id (ids are per caller: both may be pf-1)
    r = tool(s, "k8s_stop_port_forward", {}, "bob")  # "stop all" stops only bob's own
    assert not r["isError"]
    assert [f["sessionId"] for f in forwards(s, "alice")] == [ida]
    assert forwards(s, "bob") == []
    tool(s, "k8s_stop_port_forward", {"sessionId": ida}, "alice")
    assert forwards(s, "alice") == []


def test_without_authentication_every_caller_is_the_local_user(srv, objects):
    s = srv()
    r = tool(s, "k8s_port_forward_pod", {"podName": "single", "namespace": NS, "ports": [":80"]}, "alice")
    # no caller middleware: the header means nothing, and another request sees the same forward
    assert [f["sessionId"] for f in forwards(s, "bob")] == [r["structuredContent"]["sessionId"]]
    tool(s, "k8s_stop_port_forward", {}, None)
    assert forwards(s) == []


def test_a_session_answers_only_the_caller_that_opened_it(srv):
    s = srv(env={"MCPK_TEST_CALLER_HEADER": WHO})
    status, headers, _ = post(s.url, INIT, {WHO: "alice"})
    assert status == 200
    sid = headers["Mcp-Session-Id"]
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    assert post(s.url, ping, {"Mcp-Session-Id": sid, WHO: "alice"})[0] == 200
    status, _, text = post(s.url, ping, {"Mcp-Session-Id": sid, WHO: "mallory"})
    assert status == 404 and "Session not found" in json.loads(text)["error"]["message"]
    assert call(s.url, "DELETE", {"Mcp-Session-Id": sid, WHO: "mallory"})[0] == 404
    assert call(s.url, "GET", {"Mcp-Session-Id": sid, WHO: "mallory", "Accept": "text/event-stream"})[0] == 404
    assert post(s.url, ping, {"Mcp-Session-Id": sid, WHO: "alice"})[0] == 200  # untouched
    assert call(s.url, "DELETE", {"Mcp-Session-Id": sid, WHO: "alice"})[0] == 204


def test_one_client_cannot_fill_the_server_with_sessions(srv):
    # --max-sessions=40: one client holds at most 5; past that its own least recently used idle
    # session ends, and other clients are not affected.
    s = srv("--max-sessions=40", env={"MCPK_TEST_CALLER_HEADER": WHO})
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}

    def open_as(who):
        status, headers, _ = post(s.url, INIT, {WHO: who})
        assert status == 200
        return headers["Mcp-Session-Id"]

    bobs = open_as("bob")
    alices = [open_as("alice") for _ in range(12)]
    alive = [sid for sid in alices if post(s.url, ping, {"Mcp-Session-Id": sid, WHO: "alice"})[0] == 200]
    assert alive == alices[-5:]  # the 5 most recent; the older ones were recycled
    assert post(s.url, ping, {"Mcp-Session-Id": bobs, WHO: "bob"})[0] == 200


def test_a_callers_stateless_state_expires_when_idle_and_ends_its_port_forwards(srv, objects):
    import socket
    import time
    s = srv("--session-idle-timeout=1s", env={"MCPK_TEST_CALLER_HEADER": WHO})
    r = tool(s, "k8s_port_forward_pod", {"podName": "single", "namespace": NS, "ports": [":80"]}, "alice")
    port = r["structuredContent"]["ports"][0]["local"]
    socket.create_connection(("127.0.0.1", port), timeout=2).close()  # listening
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            break  # the forward ended with alice's idle state
        time.sleep(0.2)
    else:
        pytest.fail("the idle caller's port-forward is still listening")
    assert forwards(s, "alice") == []
