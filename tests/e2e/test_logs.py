"""k8s_get_pod_logs: containers, previous, tail, since, timestamps, limits."""
from conftest import call_err, call_ok, text_of

NS = "e2e-read"


async def test_single_container(mcp, objects):
    t = text_of(await call_ok(mcp, "k8s_get_pod_logs", podName="single", namespace=NS))
    assert t.splitlines()[0] == "line 1 from a kwok fake container" and len(t.splitlines()) == 5


async def test_multi_container_default_and_named(mcp, objects):
    t = text_of(await call_ok(mcp, "k8s_get_pod_logs", podName="multi", namespace=NS))
    assert "container \"sidecar\" of 2 (main, sidecar)" in t  # the default-container annotation
    t = text_of(await call_ok(mcp, "k8s_get_pod_logs", podName="multi", namespace=NS, container="main"))
    assert "line 1" in t and "of 2" not in t
    msg = await call_err(mcp, "k8s_get_pod_logs", podName="multi", namespace=NS, container="nope")
    assert "nope" in msg


async def test_tail_timestamps_previous_since(mcp, objects):
    t = text_of(await call_ok(mcp, "k8s_get_pod_logs", podName="single", namespace=NS, tailLines=2, timestamps=True))
    lines = t.splitlines()
    assert len(lines) == 2 and lines[1].startswith("2026-01-01T00:00:05") and lines[1].endswith("line 5 from a kwok fake container")
    t = text_of(await call_ok(mcp, "k8s_get_pod_logs", podName="single", namespace=NS, previous=True))
    assert "previous container instance said goodbye" in t
    t = text_of(await call_ok(mcp, "k8s_get_pod_logs", podName="single", namespace=NS, sinceTime="2026-01-01T00:00:04Z"))
    assert "line 4" in t and "line 1" not in t
    t = text_of(await call_ok(mcp, "k8s_get_pod_logs", podName="single", namespace=NS, sinceSeconds=60))
    assert "from a kwok fake container" not in t and "no log lines" in t  # the fake lines are older
    t = text_of(await call_ok(mcp, "k8s_get_pod_logs", podName="single", namespace=NS, limitBytes=40))
    assert "log cut at 40 bytes" in t


async def test_bad_log_arguments(mcp, objects):
    assert "RFC 3339" in await call_err(mcp, "k8s_get_pod_logs", podName="single", namespace=NS, sinceTime="yesterday")
    assert "at most 10000" in await call_err(mcp, "k8s_get_pod_logs", podName="single", tailLines=20000)
    assert "missing required argument 'podName'" in await call_err(mcp, "k8s_get_pod_logs")
    assert "not found" in await call_err(mcp, "k8s_get_pod_logs", podName="ghost", namespace=NS)
