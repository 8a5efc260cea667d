"""k8s_exec_pod over the WebSocket exec protocol, through the API server to kwok's kubelet."""
import os
import subprocess
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


async def test_timeout_stops_the_command(rw, cluster, objects):
    t0 = time.monotonic()
    r = await rw.call_tool("k8s_exec_pod", {"podName": "single", "namespace": NS, "command": ["sleep", "41.5"],
                                            "timeoutSeconds": 1})
    assert r.is_error and r.structured_content["timedOut"] is True and time.monotonic() - t0 < 5
    assert r.structured_content["exitCode"] == 143 and "the command was stopped" in text_of(r)
    # kwok runs the command on this machine, so its process table shows what a container's would.
    assert subprocess.run(["pgrep", "-f", "sleep 41.5"], capture_output=True).returncode == 1
    # The whole process tree is stopped (a shell and the sleep it started), and a command that
    # catches SIGTERM and exits 0 is still reported as stopped by the timeout.
    r = await rw.call_tool("k8s_exec_pod", {"podName": "single", "namespace": NS, "timeoutSeconds": 1,
                                            "command": ["sh", "-c", "sleep 41.7; echo never"]})
    assert r.structured_content["timedOut"] is True and r.structured_content["stdout"] == ""
    assert subprocess.run(["pgrep", "-f", "sleep 41.7"], capture_output=True).returncode == 1
    r = await rw.call_tool("k8s_exec_pod", {"podName": "single", "namespace": NS, "timeoutSeconds": 1,
                                            "command": ["sh", "-c", "trap 'echo bye; exit 0' TERM; sleep 41.8 & wait"]})
    sc = r.structured_content
    assert sc["timedOut"] is True and sc["exitCode"] == 0 and sc["stdout"] == "bye\n" and sc["stderr"] == ""
    # A shell stopped mid-script does not run the rest of it.
    marker = cluster.dir / "fake" / f"marker-{os.getpid()}-{time.monotonic_ns()}"
    r = await rw.call_tool("k8s_exec_pod", {"podName": "single", "namespace": NS, "timeoutSeconds": 1,
                                            "command": ["sh", "-c", f"sleep 2; touch {marker}"]})
    assert r.structured_content["timedOut"] is True
    time.sleep(2.5)
    assert not marker.exists()


async def test_cancelled_call_stops_the_command(cluster, objects, anyio_backend):
    # --tool-timeout cancels the call at 2 s; the command (timeoutSeconds 60) must not outlive it.
    async with connect(cluster.kubeconfig, "--non-destructive=false", "--tool-timeout=2s") as c:
        t0 = time.monotonic()
        r = await c.call_tool("k8s_exec_pod", {"podName": "single", "namespace": NS, "timeoutSeconds": 60,
                                               "command": ["sh", "-c", "sleep 43.5; echo never"]})
        assert r.is_error and "--tool-timeout" in text_of(r)
        while subprocess.run(["pgrep", "-f", "sleep 43.5"], capture_output=True).returncode == 0:
            assert time.monotonic() - t0 < 6, "the cancelled command is still running"
            time.sleep(0.1)


async def test_command_ending_on_its_own_is_not_stopped(rw, objects):
    r = await call_ok(rw, "k8s_exec_pod", podName="single", namespace=NS, timeoutSeconds=1,
                      command=["sh", "-c", "sleep 0.3; echo done"])
    assert r.structured_content["stdout"] == "done\n" and r.structured_content["timedOut"] is False
    # No watchdog is left behind once the command has ended; the program runs, not a shell
    # builtin of the same name (dash's echo would expand the backslash).
    assert subprocess.run(["pgrep", "-f", "^sleep 1$"], capture_output=True).returncode == 1
    r = await call_ok(rw, "k8s_exec_pod", podName="single", namespace=NS, command=["echo", "a\\nb"])
    assert r.structured_content["stdout"] == "a\\nb\n"
    r = await rw.call_tool("k8s_exec_pod", {"podName": "single", "namespace": NS, "command": ["no-such-program"]})
    assert r.structured_content, text_of(r)
    assert r.structured_content["exitCode"] == 127 and "no-such-program" in r.structured_content["stderr"]


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


async def test_quick_execs_never_stall(cluster, objects, anyio_backend):
    """200 quick execs in a row, none over 3 s. About 1 in 60 used to hang until --tool-timeout
    (kubectl too, with the same wrapped script): a SIGTERM that reached the watchdog just before
    it blocked in `wait` ran its trap only after the wait, so the watchdog lived on and the
    stream stayed open until it fired."""
    async with connect(cluster.kubeconfig, "--non-destructive=false", "--tool-timeout=20s") as c:
        slowest = 0.0
        for _ in range(200):
            t0 = time.monotonic()
            r = await call_ok(c, "k8s_exec_pod", podName="single", namespace=NS,
                              command=["sh", "-c", "echo out; echo err >&2; exit 3"])
            slowest = max(slowest, time.monotonic() - t0)
            assert (r.structured_content["stdout"], r.structured_content["exitCode"]) == ("out\n", 3)
        assert slowest < 3, f"slowest exec took {slowest:.1f}s"
