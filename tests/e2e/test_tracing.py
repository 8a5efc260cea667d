"""OpenTelemetry traces (SPEC §7) at a real OTLP/HTTP receiver (tests/otlp/receiver, on the
Collector's pdata module, strict about ids and enums): one tools/call as the span tree HTTP →
MCP request → Kubernetes requests under the caller's trace, the MCP semantic conventions'
attributes, error.type, sampling, the trace context sent to the API server, a dead collector
that never slows a call, and no credential or Secret value in any span."""
import json
import os
import re
import socket
import subprocess
import time

import pytest
import yaml

from conftest import HttpServer, started, BIN
from test_http import INIT, MODERN_META, answer, post
from test_faults import served_by
from test_metrics import scrape, sample
from otlp_support import receiver  # noqa: F401  (fixture)

NS = "e2e-read"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = f"00-{TRACE}-00f067aa0ba902b7-01"


def tracing_env(receiver, **extra):
    return {"TRACING_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "50", "OTEL_SERVICE_NAME": "mcpk-e2e",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=test", **extra}


@pytest.fixture
def srv(cluster):
    with started(lambda *flags, env=None: HttpServer(cluster.kubeconfig, *flags, env=env)) as start:
        yield start


def stateless_call(s, name, args, id_=7, headers=None, meta=None):
    h = {"Mcp-Method": "tools/call", "Mcp-Name": name, "MCP-Protocol-Version": "2026-07-28", **(headers or {})}
    body = {"jsonrpc": "2.0", "id": id_, "method": "tools/call",
            "params": {"name": name, "arguments": args, "_meta": {**MODERN_META, **(meta or {})}}}
    status, headers, text = post(s.url, body, h)
    assert status == 200, text
    return answer(headers, text)


def one(spans, **match):
    found = [s for s in spans if all(s.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"{match}: {[(s['name'], s['parentSpanId']) for s in spans]}"
    return found[0]


def test_one_tools_call_arrives_as_the_span_tree_under_the_callers_trace(srv, objects, receiver, cluster):
    s = srv("--debug", env=tracing_env(receiver))
    r = stateless_call(s, "k8s_get_resource", {"resourceType": "pods", "name": "single", "namespace": NS},
                       headers={"traceparent": CALLER, "tracestate": "vendor=x"})
    assert not r["result"].get("isError"), r
    spans = receiver.wait(lambda sp: any(x["kind"] == "Client" and "/pods/{name}" in x["name"] for x in sp))
    assert {x["traceId"] for x in spans} == {TRACE}

    http = one(spans, name="POST /mcp")
    assert http["kind"] == "Server" and http["parentSpanId"] == "00f067aa0ba902b7"
    assert http["traceState"] == "vendor=x"
    a = http["attributes"]
    assert a["http.request.method"] == "POST" and a["http.route"] == "/mcp"
    assert a["http.response.status_code"] == 200 and a["client.address"] == "127.0.0.1"
    assert http["status"] == "Unset"

    mcp = one(spans, name="tools/call k8s_get_resource")
    assert mcp["parentSpanId"] == http["spanId"]
    assert mcp["attributes"] == {
        "mcp.method.name": "tools/call", "gen_ai.tool.name": "k8s_get_resource",
        "gen_ai.operation.name": "execute_tool", "mcp.protocol.version": "2026-07-28",
        "jsonrpc.request.id": "7", "network.transport": "tcp"}
    assert mcp["status"] == "Unset"

    api = [x for x in spans if x["kind"] == "Client"]
    assert api and all(x["parentSpanId"] == mcp["spanId"] for x in api)
    get = one(api, name="GET /api/v1/namespaces/{namespace}/pods/{name}")
    a = get["attributes"]
    assert a["http.request.method"] == "GET" and a["http.response.status_code"] == 200
    assert a["server.address"] == "127.0.0.1" and isinstance(a["server.port"], int)
    assert a["url.full"].endswith(f"/api/v1/namespaces/{NS}/pods/single")
    assert a["k8s.namespace.name"] == NS and a["k8s.api.resource"] == "pods" and a["k8s.api.verb"] == "get"
    assert a["k8s.cluster.name"] == "admin" and a["k8s.impersonated"] is False
    assert int(get["startUnixNano"]) >= int(mcp["startUnixNano"])
    assert int(get["endUnixNano"]) <= int(mcp["endUnixNano"])
    assert int(mcp["endUnixNano"]) <= int(http["endUnixNano"])

    for x in spans:
        assert x["resource"]["service.name"] == "mcpk-e2e"
        assert x["resource"]["deployment.environment.name"] == "test"
        assert x["scope"] == "mcp-kubernetes"
    # The call's log line carries its trace id.
    deadline = time.time() + 5
    while f"trace_id={TRACE}" not in s.log and time.time() < deadline:
        time.sleep(0.05)
    assert re.search(rf"call tool=k8s_get_resource .* trace_id={TRACE}", s.log), s.log[-2000:]
    assert s.close() == 0, s.log[-3000:]  # a clean exit: the export thread flushed and joined


def test_errors_are_typed_and_the_session_era_names_its_session(srv, objects, receiver):
    s = srv(env=tracing_env(receiver))
    status, headers, body = post(s.url, INIT)
    sid = headers["Mcp-Session-Id"]
    h = {"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"}
    meta = {"traceparent": CALLER}  # the client's context in _meta wins over the HTTP span
    missing = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "k8s_get_resource", "_meta": meta,
                          "arguments": {"resourceType": "pods", "name": "no-such-pod", "namespace": NS}}}
    assert answer(*post(s.url, missing, h)[1:])["result"]["isError"]
    unknown = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "nope", "_meta": meta}}
    assert answer(*post(s.url, unknown, h)[1:])["error"]["code"] == -32602
    spans = receiver.wait(lambda sp: any(x["name"] == "tools/call nope" for x in sp)
                          and any(x["attributes"].get("http.response.status_code") == 404 for x in sp))

    init = one(spans, name="initialize")
    assert init["attributes"]["mcp.session.id"] == sid
    assert init["attributes"]["mcp.protocol.version"] == "2025-11-25"
    call = one(spans, name="tools/call k8s_get_resource")
    assert call["traceId"] == TRACE and call["parentSpanId"] == "00f067aa0ba902b7"
    assert call["attributes"]["error.type"] == "tool_error" and call["status"] == "Error"
    assert call["attributes"]["mcp.session.id"] == sid
    assert call["attributes"]["mcp.protocol.version"] == "2025-11-25"
    lookup = one(spans, parentSpanId=call["spanId"], name="GET /api/v1/namespaces/{namespace}/pods/{name}")
    assert lookup["attributes"]["error.type"] == "404" and lookup["status"] == "Error"
    nope = one(spans, name="tools/call nope")
    assert nope["attributes"]["error.type"] == "-32602" and nope["status"] == "Error"
    # The HTTP span of a call whose tool failed is still a 200.
    assert all(x["status"] == "Unset" for x in spans if x["name"] == "POST /mcp")
    # Health probes make no spans.
    urllib_get(s.base + "/healthz")
    time.sleep(0.3)
    assert not [x for x in receiver.spans() if "healthz" in x["name"]]


def urllib_get(url):
    import urllib.request
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status


def test_sampling_zero_sends_nothing_unless_the_caller_sampled_the_trace(srv, objects, receiver):
    s = srv(env=tracing_env(receiver, OTEL_TRACES_SAMPLER_ARG="0"))
    for i in range(5):
        stateless_call(s, "k8s_list_resources", {"resourceType": "pods", "namespace": NS}, id_=i)
    time.sleep(0.5)
    assert receiver.spans() == []
    # Parent-based: a caller's sampled trace is followed, an unsampled one is not.
    stateless_call(s, "k8s_list_resources", {"resourceType": "pods", "namespace": NS},
                   headers={"traceparent": f"00-{'1' * 32}-{'2' * 16}-00"})
    stateless_call(s, "k8s_list_resources", {"resourceType": "pods", "namespace": NS},
                   headers={"traceparent": CALLER})
    spans = receiver.wait(lambda sp: any(x["kind"] == "Client" for x in sp))
    time.sleep(0.3)
    assert {x["traceId"] for x in receiver.spans()} == {TRACE}


def test_a_dead_collector_never_slows_or_fails_a_call(srv, objects, cluster):
    blackhole = socket.socket()  # accepts connections, never answers
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(64)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    try:
        # A closed port fails each export at once; a collector that never answers holds the
        # first export until its timeout while the bounded queue fills and drops.
        for port, lost_as in ((closed, "failed"), (blackhole.getsockname()[1], "dropped")):
            s = srv(env={"TRACING_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
                         "OTEL_BSP_SCHEDULE_DELAY": "20", "OTEL_BSP_MAX_QUEUE_SIZE": "8",
                         "OTEL_EXPORTER_OTLP_TIMEOUT": "3000"})
            took = []
            for i in range(12):
                t0 = time.monotonic()
                r = stateless_call(s, "k8s_get_resource", {"resourceType": "pods", "name": "single", "namespace": NS},
                                   id_=i)
                took.append(time.monotonic() - t0)
                assert not r["result"].get("isError")
            assert max(took) < 1.0, took
            time.sleep(0.5)
            text = scrape(s)
            assert sample(text, "mcp_trace_spans_total", outcome=lost_as) > 0
            assert sample(text, "mcp_trace_spans_total", outcome="exported") == 0
    finally:
        blackhole.close()


def test_over_stdio_the_api_server_gets_the_trace_context_of_its_client_span(cluster, tmp_path, receiver):
    with served_by(cluster, tmp_path, env=tracing_env(receiver)) as s:
        r = s.request(5, "tools/call", {"name": "k8s_list_resources", "_meta": {"traceparent": CALLER},
                                        "arguments": {"resourceType": "configmaps", "namespace": "default"}})
        assert not r["result"].get("isError"), r
        spans = receiver.wait(lambda sp: any("/configmaps" in x["name"] for x in sp))
        call = one(spans, name="tools/call k8s_list_resources")
        assert call["attributes"]["network.transport"] == "pipe" and call["parentSpanId"] == "00f067aa0ba902b7"
        client = one(spans, name="GET /api/v1/namespaces/{namespace}/configmaps")
        assert client["parentSpanId"] == call["spanId"]
        sent = [tp for path, tp in s.fake.traceparents if path == "/api/v1/namespaces/default/configmaps"]
        assert sent == [f"00-{TRACE}-{client['spanId']}-01"]
        # Discovery made for the call is part of its trace too; nothing reaches the API server
        # with a trace context unless a call runs under one.
        assert all(tp is None or tp.startswith(f"00-{TRACE}-") for _, tp in s.fake.traceparents)


def test_stdout_exporter_under_stdio_writes_spans_to_stderr_never_stdout(cluster, tmp_path):
    with served_by(cluster, tmp_path, env={"TRACING_EXPORTER": "stdout", "OTEL_BSP_SCHEDULE_DELAY": "20"}) as s:
        r = s.request(5, "tools/call", {"name": "k8s_list_resources",
                                        "arguments": {"resourceType": "configmaps", "namespace": "default"}})
        assert not r["result"].get("isError")  # stdout stayed pure JSON-RPC (Raw parses every line)
        s.p.stdin.close()  # end of input: queued spans are flushed, then the process exits
        assert s.p.wait(timeout=10) == 0
        err = s.p.stderr.read()
    docs = [json.loads(line) for line in err.splitlines() if line.startswith('{"resourceSpans"')]
    names = [sp["name"] for d in docs for rs in d["resourceSpans"] for ss in rs["scopeSpans"] for sp in ss["spans"]]
    assert "tools/call k8s_list_resources" in names and "initialize" in names


def test_no_span_holds_a_credential_or_a_secret_value(srv, objects, receiver, cluster):
    s = srv(env=tracing_env(receiver))
    r = stateless_call(s, "k8s_get_resource", {"resourceType": "secrets", "name": "creds", "namespace": NS},
                       headers={"traceparent": CALLER})
    assert "hunter2-very-secret" not in json.dumps(r)
    receiver.wait(lambda sp: any("/secrets/{name}" in x["name"] for x in sp))
    exported = receiver.out.read_text()
    kc = yaml.safe_load(open(cluster.kubeconfig))
    secrets = ["hunter2-very-secret", "aHVudGVyMi12ZXJ5LXNlY3JldA=="]
    for u in kc["users"]:
        secrets += [v for k, v in u["user"].items() if k in ("token", "client-key-data", "password") and v]
    for secret in secrets:
        assert secret not in exported
    assert "Authorization" not in exported and "Bearer" not in exported


@pytest.mark.parametrize("env,needle", [
    ({"OTEL_RESOURCE_ATTRIBUTES": "no-equals-sign"}, "OTEL_RESOURCE_ATTRIBUTES"),
    ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "http/json"),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_ENDPOINT"),
    ({"OTEL_TRACES_SAMPLER_ARG": "2"}, "OTEL_TRACES_SAMPLER_ARG"),
    ({"OTEL_BSP_SCHEDULE_DELAY": "soon"}, "OTEL_BSP_SCHEDULE_DELAY"),
])
def test_bad_tracing_settings_stop_start_up_naming_the_setting(cluster, env, needle):
    e = {"KUBECONFIG": cluster.kubeconfig, "PATH": os.environ.get("PATH", ""), "TRACING_EXPORTER": "otlp", **env}
    p = subprocess.run([BIN, "serve"], env=e, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert p.returncode == 2, p.stderr
    assert needle in p.stderr


def test_in_a_pod_logs_are_json_and_the_audit_line_carries_the_trace_id(srv, objects, receiver):
    s = srv("--non-destructive=false", "--dry-run",
            env=tracing_env(receiver, KUBERNETES_SERVICE_HOST="10.96.0.1"))  # as in a pod; kubeconfig still used
    r = stateless_call(s, "k8s_delete_resource", {"resourceType": "pods", "name": "single", "namespace": NS},
                       headers={"traceparent": CALLER})
    assert not r["result"].get("isError"), r
    deadline = time.time() + 5
    while "audit tool=k8s_delete_resource" not in s.log and time.time() < deadline:
        time.sleep(0.05)
    lines = [json.loads(line) for line in s.log.splitlines() if line.strip()]  # every line is JSON
    audit = [x for x in lines if x["msg"].startswith("audit tool=k8s_delete_resource")]
    assert len(audit) == 1 and f"trace_id={TRACE}" in audit[0]["msg"] and "dryRun=true" in audit[0]["msg"]


def test_an_exec_stream_is_a_client_span_under_its_call(srv, objects, receiver):
    s = srv("--non-destructive=false", "--debug", env=tracing_env(receiver))
    r = stateless_call(s, "k8s_exec_pod", {"podName": "single", "namespace": NS, "command": ["echo", "hi"]},
                       headers={"traceparent": CALLER})
    assert not r["result"].get("isError"), r
    spans = receiver.wait(lambda sp: any(x["name"].endswith("/exec") for x in sp))
    call = one(spans, name="tools/call k8s_exec_pod")
    stream = one(spans, name="GET /api/v1/namespaces/{namespace}/pods/{name}/exec")
    assert stream["kind"] == "Client" and stream["parentSpanId"] == call["spanId"]
    a = stream["attributes"]
    assert a["k8s.api.verb"] == "connect" and a["k8s.api.subresource"] == "exec"
    assert a["http.response.status_code"] == 101  # the WebSocket upgrade
    assert a["url.full"].endswith("/exec") and "echo" not in a["url.full"]  # the command is not recorded
    # The call's debug lines end with its trace id too.
    assert re.search(rf"exec {NS}/single: stream open .* trace_id={TRACE}", s.log), s.log[-3000:]
