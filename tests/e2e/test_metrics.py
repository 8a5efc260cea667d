"""Prometheus metrics (SPEC §7): the reference's series after a mixed run of tool calls, checked by
Debian's promtool and scraped by a real Prometheus server queried through its HTTP API; bounded
labels (no namespaces, object names, users or credentials); their own listener, off when asked."""
import json
import os
import pathlib
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import HttpServer, started, run, BIN
from otlp_support import receiver  # noqa: F401  (fixture)
from test_callers import tool

NS = "e2e-read"


@pytest.fixture
def srv(cluster):
    with started(lambda *flags, env=None: HttpServer(cluster.kubeconfig, *flags, env=env)) as start:
        yield start


def scrape(s):
    with urllib.request.urlopen(s.metrics_url, timeout=5) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def sample(text, name, **labels):
    """The value of the series `name` whose labels include `labels` (None when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(4))
    return None


def mixed_run(s):
    tool(s, "k8s_get_resource", {"resourceType": "pods", "name": "single", "namespace": NS})
    tool(s, "k8s_list_resources", {"resourceType": "configmaps", "namespace": NS})
    tool(s, "k8s_get_resource", {"resourceType": "pods", "name": "no-such-pod", "namespace": NS})  # error
    tool(s, "k8s_get_pod_logs", {"podName": "single", "namespace": NS})
    r = tool(s, "k8s_list_resources", {"resourceType": "secrets", "namespace": "kube-system"})
    return r


def test_the_reference_series_after_a_mixed_run(srv, objects, cluster):
    s = srv("--denied-namespaces=kube-system")
    before = scrape(s)
    assert sample(before, "active_port_forward_sessions") == 0  # a sample from start-up
    assert sample(before, "mcp_sessions_open") == 0
    refused = mixed_run(s)
    assert refused["isError"]
    text = scrape(s)
    assert sample(text, "http_requests_total", method="POST", path="/mcp", status="200") >= 5
    assert sample(text, "http_request_duration_seconds_count", method="POST", path="/mcp", status="200") >= 5
    ops = dict(operation="get", cluster_scope="management", discovery_mode="single", cluster_type="management")
    assert sample(text, "mcp_kubernetes_operations_total", status="success", **ops) >= 1
    assert sample(text, "mcp_kubernetes_operations_total", status="error", **ops) >= 1
    assert sample(text, "mcp_kubernetes_operation_duration_seconds_bucket", status="success", le="10", **ops) >= 1
    assert sample(text, "kubernetes_pod_operations_total", operation="logs", status="success") == 1
    assert sample(text, "mcp_tool_calls_total", tool="k8s_list_resources", outcome="refused") == 1
    assert sample(text, "mcp_tool_calls_total", tool="k8s_get_resource", outcome="error") == 1
    assert sample(text, "kubernetes_api_requests_total", verb="get", code="200") >= 3
    assert sample(text, "kubernetes_api_requests_total", verb="get", code="404") >= 1
    assert sample(text, "mcp_client_cache_misses_total") == 1
    assert sample(text, "mcp_client_cache_hits_total") >= 3
    assert sample(text, "mcp_client_cache_entries") == 1
    assert sample(text, "mcp_sessions_open") == 1  # the local caller's stateless state
    assert sample(text, "mcp_kubernetes_build_info", transport="streamable-http") == 1
    # Buckets are the reference's and cumulative.
    les = [float(v) for v in re.findall(r'http_request_duration_seconds_bucket\{[^}]*le="([^"+]+)"', text)][:12]
    assert les == [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    # Bounded labels: no namespace, object name, user or credential anywhere.
    token = pathlib.Path(cluster.kubeconfig).read_text()
    for needle in (NS, "no-such-pod", "kube-system", "local"):  # ("single" is also a discovery_mode)
        assert f'"{needle}"' not in text, needle
    for secret in re.findall(r"token: (\S+)", token):
        assert secret not in text
    # Debian's promtool accepts the exposition.
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_real_prometheus_scrapes_the_reference_series(srv, objects, tmp_path):
    s = srv()
    mixed_run(s)
    target = urllib.parse.urlparse(s.metrics_url).netloc
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n- job_name: mcp\n  static_configs:\n  - targets: ['{target}']\n")
    port = free_port()
    prom = subprocess.Popen(["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def query(q):
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)["data"]["result"]

    try:
        deadline = time.monotonic() + 60
        found = {}
        wanted = {
            "up": 'up{job="mcp"}',
            "http": 'http_requests_total{path="/mcp",status="200"}',
            "ops": 'mcp_kubernetes_operations_total{operation="get",cluster_scope="management"}',
            "pods": 'kubernetes_pod_operations_total{operation="logs"}',
            "forwards": "active_port_forward_sessions",
            "latency": "histogram_quantile(0.95, sum by (le, operation) "
                       "(rate(mcp_kubernetes_operation_duration_seconds_bucket[1m])))",
        }
        while time.monotonic() < deadline and len(found) < len(wanted):
            for key, q in wanted.items():
                if key in found:
                    continue
                try:
                    result = query(q)
                except OSError:
                    break  # Prometheus not up yet
                if result:
                    found[key] = result
            time.sleep(0.5)
        assert set(found) == set(wanted), (set(wanted) - set(found), prom.stderr.read() if prom.poll() else "")
        assert found["up"][0]["value"][1] == "1"
        assert float(found["forwards"][0]["value"][1]) == 0
    finally:
        prom.terminate()
        prom.wait(timeout=10)


def test_metrics_have_their_own_listener_and_can_be_turned_off(srv, cluster):
    s = srv()
    assert s.metrics_url and urllib.parse.urlparse(s.metrics_url).port != s.port
    with pytest.raises(urllib.error.HTTPError) as e:  # not on the MCP port
        urllib.request.urlopen(s.base + "/metrics", timeout=5)
    assert e.value.code == 404
    port = free_port()
    off = srv("--metrics-enabled=false", f"--metrics-addr=127.0.0.1:{port}")
    assert off.metrics_url is None and "Prometheus metrics on" not in off.log
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    off2 = srv(f"--metrics-addr=127.0.0.1:{port}", env={"INSTRUMENTATION_ENABLED": "false"})
    assert off2.metrics_url is None
    # A taken address is a clear error at start.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        r = run(BIN, "serve", "--transport=streamable-http", "--http-addr=127.0.0.1:0",
                f"--metrics-addr=127.0.0.1:{taken.getsockname()[1]}", env={"KUBECONFIG": cluster.kubeconfig},
                timeout=10)
        assert r.returncode == 2 and "--metrics-addr" in r.stderr, r.stderr


def test_stdio_serves_metrics_only_when_asked(cluster):
    r = subprocess.run([BIN, "serve"], input="", capture_output=True, text=True, timeout=10,
                       env={"KUBECONFIG": cluster.kubeconfig})
    assert "Prometheus metrics on" not in r.stderr and r.returncode == 0, r.stderr
    r = subprocess.run([BIN, "serve", "--metrics-addr=127.0.0.1:0"], input="", capture_output=True, text=True,
                       timeout=10, env={"KUBECONFIG": cluster.kubeconfig})
    assert "Prometheus metrics on 127.0.0.1:" in r.stderr and r.returncode == 0, r.stderr


def latest(points, **labels):
    """The last exported value of the series whose attributes include `labels`."""
    found = [p for p in points if all(p["attributes"].get(k) == v for k, v in labels.items())]
    return found[-1]["value"] if found else None


def test_metrics_pushed_over_otlp_reach_a_real_receiver(srv, objects, receiver):
    s = srv("--denied-namespaces=kube-system",
            env={"METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                 "OTEL_METRIC_EXPORT_INTERVAL": "200", "OTEL_SERVICE_NAME": "mcpk-metrics"})
    assert s.metrics_url is None and "metrics: pushed to OTLP/HTTP (JSON)" in s.log  # no scrape endpoint
    mixed_run(s)
    ops = dict(operation="get", cluster_scope="management", discovery_mode="single", cluster_type="management")
    deadline = time.time() + 10
    while time.time() < deadline and not (latest(receiver.points("mcp_kubernetes_operations"), status="error", **ops)):
        time.sleep(0.1)
    # Counters arrive as cumulative monotonic sums without "_total" (a collector's Prometheus
    # exporter adds it back), histograms with their buckets, gauges from start-up.
    points = receiver.points()
    assert all(p["resource"]["service.name"] == "mcpk-metrics" for p in points)
    sums = receiver.points("mcp_kubernetes_operations")
    assert {p["type"] for p in sums} == {"sum"}
    assert latest(sums, status="success", **ops) >= 1 and latest(sums, status="error", **ops) >= 1
    assert latest(receiver.points("http_requests"), method="POST", path="/mcp", status="200") >= 5
    assert latest(receiver.points("mcp_tool_calls"), tool="k8s_list_resources", outcome="refused") == 1
    hist = receiver.points("mcp_kubernetes_operation_duration_seconds")
    assert {p["type"] for p in hist} == {"histogram"} and latest(hist, status="success", **ops)["count"] >= 1
    forwards = receiver.points("active_port_forward_sessions")
    assert forwards and forwards[0]["type"] == "gauge" and latest(forwards) == 0
    assert not [p for p in points if p["name"].endswith("_total")]
    # No namespace, object name or credential in any attribute (bounded labels, as scraped).
    text = receiver.out.read_text()
    for needle in (f'"{NS}"', "no-such-pod"):
        assert needle not in text
    # A last push at shutdown.
    before = len(receiver.points())
    assert s.close() == 0
    assert len(receiver.points()) > before


def test_stdout_metrics_under_stdio_go_to_stderr(cluster):
    env = {"KUBECONFIG": cluster.kubeconfig, "PATH": os.environ.get("PATH", ""), "METRICS_EXPORTER": "stdout"}
    r = subprocess.run([BIN, "serve"], input="", capture_output=True, text=True, timeout=10, env=env)
    assert r.returncode == 0 and r.stdout == "", r.stdout  # stdout is the MCP stream's alone
    docs = [json.loads(line) for line in r.stderr.splitlines() if line.startswith('{"resourceMetrics"')]
    assert docs, r.stderr  # the push at shutdown (end of input)
    names = {m["name"] for d in docs for rm in d["resourceMetrics"] for sm in rm["scopeMetrics"] for m in sm["metrics"]}
    assert {"active_port_forward_sessions", "mcp_kubernetes_build_info"} <= names
