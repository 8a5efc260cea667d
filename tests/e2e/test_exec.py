"""k8s_exec_pod over the WebSocket exec protocol, through the API server to kwok's kubelet."""
import time

import pytest

from conftest import call_err, call_ok, connect, text_of

NS = "e2e-read"


@pytest.fixture
async def rw(cluster, era, transport, anyio_backend):
    async with connect(cluster.kubeconfig, "--non-destructive=false", era=era, transport=transport) as c:
        yield c


async def test_stdout_stderr_exit_code(rw, objects):
    r = await call_ok(rw, "k8s_exec_pod", podName="single", namespace=NS, command=["echo", "hi"])
    assert r.structured_content == {"stdout": "hi\n", "stderr": "", "exitCode": 0, "timedOut": False,
                                    "container": "app"}
    r = await call_ok(rw, "k8s_exec_pod", podName="single", namespace=NS,
                      command=["sh", "-c", "echo out; echo err >&2; exit 3"])
    sc = r.structured_content
    assert (sc["stdout"], sc["stderr"], sc["exitCode"]) == ("out\n", "err\n", 3)
    assert text_of(r).startswith("exit code 3")


async def test_stdin_container_and_default_container(rw, objects):
    r = await call_ok(rw, "k8s_exec_pod", podName="multi", namespace=NS, command=["head", "-n1"],
                      stdin="from stdin\nsecond line\n")
    assert r.structured_content["stdout"] == "from stdin\n" and r.structured_content["container"] == "sidecar"
    assert "container \"sidecar\" of 2" in text_of(r)
    r = await call_ok(rw, "k8s_exec_pod", podName="multi", namespace=NS, container="main", command=["true"])
    assert r.structured_content["container"] == "main"


async def test_timeout_stops_the_command(rw, objects):
    t0 = time.monotonic()
    r = await rw.call_tool("k8s_exec_pod", {"podName": "single", "namespace": NS, "command": ["sleep", "30"],
                                            "timeoutSeconds": 1})
    assert r.is_error and r.structured_content["timedOut"] is True and time.monotonic() - t0 < 5


async def test_output_bounded_by_budget(cluster, objects, anyio_backend):
    async with connect(cluster.kubeconfig, "--non-destructive=false", "--max-response-bytes=4096") as c:
        r = await call_ok(c, "k8s_exec_pod", podName="single", namespace=NS,
                          command=["sh", "-c", "head -c 100000 /dev/zero | tr '\\\\0' x"])
        assert len(r.structured_content["stdout"]) <= 2048 and "output cut" in text_of(r)


async def test_bad_exec_inputs(rw, objects):
    assert "at least 1 item" in await call_err(rw, "k8s_exec_pod", podName="single", namespace=NS, command=[])
    assert "must not be empty" in await call_err(rw, "k8s_exec_pod", podName="single", namespace=NS, command=[""])
    assert "not found" in await call_err(rw, "k8s_exec_pod", podName="ghost", namespace=NS, command=["true"])
    msg = await call_err(rw, "k8s_exec_pod", podName="single", namespace=NS, command=["true"], context="viewer")
    assert "forbidden" in msg and "pods/exec" in msg


async def test_exec_refused_in_dry_run_and_by_default(cluster, objects, anyio_backend):
    for flags in [(), ("--dry-run",)]:
        async with connect(cluster.kubeconfig, *flags) as c:
            assert "k8s_exec_pod" not in {t.name for t in (await c.list_tools()).tools}
            r = await c.call_tool("k8s_exec_pod", {"podName": "single", "namespace": NS, "command": ["true"]})
            assert r.is_error and ("--dry-run" in text_of(r) or "--non-destructive" in text_of(r))
