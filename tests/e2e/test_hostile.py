"""What a hostile client sends gets a clear, bounded error, quickly, and never disturbs others
(the hardening findings: unbounded CPU work on huge arguments, echoed input, "." and ".." as
namespaces, audit-log injection)."""
import concurrent.futures
import json
import time
import urllib.request

import pytest

from conftest import HttpServer, call_err, connect, started
from test_http import MODERN_META, answer, post
from test_protocol import Raw

NS = "e2e-read"


@pytest.fixture
def srv(cluster):
    with started(lambda *flags: HttpServer(cluster.kubeconfig, *flags)) as start:
        yield start


def tool(s, name, args):
    h = {"Mcp-Method": "tools/call", "Mcp-Name": name, "MCP-Protocol-Version": "2026-07-28"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": name, "arguments": args, "_meta": MODERN_META}}
    status, headers, text = post(s.url, body, h)
    assert status == 200, text
    return answer(headers, text)["result"], len(text)


def test_a_huge_argument_is_refused_at_once_and_never_delays_another_client(srv, objects):
    s = srv()
    huge = "x" * 1_000_000

    def healthz_latency():
        t0 = time.monotonic()
        urllib.request.urlopen(s.base + "/healthz", timeout=10).read()
        return time.monotonic() - t0

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        t0 = time.monotonic()
        calls = [pool.submit(tool, s, "k8s_list_resources", {"resourceType": huge, "namespace": NS}) for _ in range(3)]
        probes = [pool.submit(healthz_latency) for _ in range(5)]
        results = [c.result() for c in calls]
        slowest_probe = max(p.result() for p in probes)
    took = time.monotonic() - t0
    print(f"3 x 1 MB resourceType: all answered in {took:.2f} s; slowest concurrent /healthz {slowest_probe:.3f} s")
    assert took < 5
    assert slowest_probe < 1, f"/healthz took {slowest_probe:.2f}s while huge arguments were handled"
    for result, size in results:
        assert result["isError"] and "at most 1024 characters" in result["content"][0]["text"]
        assert size < 2000  # the input is not echoed back
    # Within the limit, an unknown type is still answered with its name cut short.
    result, size = tool(s, "k8s_list_resources", {"resourceType": "y" * 1000, "namespace": NS})
    assert result["isError"] and "(1000 bytes)" in result["content"][0]["text"] and size < 1500


async def test_dot_namespaces_and_names_never_reach_a_url(cluster, objects, anyio_backend):
    async with connect(cluster.kubeconfig) as c:
        for ns in ("..", ".", "a/b", "UPPER", "-x"):
            assert "not a valid namespace" in await call_err(c, "k8s_list_resources", resourceType="pods",
                                                             namespace=ns)
        for name in ("..", ".", "a/b", "a%2fb"):
            assert "not a valid object name" in await call_err(c, "k8s_get_resource", resourceType="configmaps",
                                                               name=name, namespace=NS)


def test_control_characters_cannot_forge_an_audit_line(cluster, objects):
    forged = "x\n2026-01-01T00:00:00.000Z info  audit tool=k8s_delete_resource outcome=ok"
    s = Raw(cluster.kubeconfig, "--non-destructive=false")
    s.initialize()
    s.request(1, "tools/call", {"name": "k8s_delete_resource",
                                "arguments": {"resourceType": "configmaps", "name": forged, "namespace": NS}})
    s.close()
    stderr = s.p.stderr.read()
    audit = [line for line in stderr.splitlines() if " audit " in line]
    assert len(audit) == 1, stderr  # one call, one line: the newline did not start another
    assert "\\n2026-01-01" in audit[0] and "outcome=error" in audit[0]


def test_a_yaml_alias_bomb_is_refused_at_once_and_never_delays_another_client(srv, objects):
    # 600 bytes whose aliases expand to 10^8 values (a "billion laughs"): it held the only I/O
    # thread for 30 s and took 4 GB.
    s = srv("--non-destructive=false", "--dry-run")
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb, namespace: e2e-read}", "data:",
             "  l0: &l0 [x,x,x,x,x,x,x,x,x,x]"]
    lines += [f"  l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 8)]
    manifest = "\n".join(lines)
    with concurrent.futures.ThreadPoolExecutor() as pool:
        bomb = pool.submit(tool, s, "k8s_create_resource", {"manifest": manifest})
        t0 = time.monotonic()
        urllib.request.urlopen(s.base + "/healthz", timeout=10).read()
        healthz = time.monotonic() - t0
        (result, size), took = bomb.result(), time.monotonic() - t0
    assert result["isError"] and "billion laughs" in result["content"][0]["text"], result
    assert took < 2 and healthz < 1, (took, healthz)
    for patch_call in ({"resourceType": "configmaps", "name": "x", "namespace": NS, "patch": manifest},):
        result, _ = tool(s, "k8s_patch_resource", patch_call)
        assert result["isError"] and "billion laughs" in result["content"][0]["text"], result


def test_yaml_that_stalls_the_parser_is_refused_at_once(srv, objects):
    # Found by fuzz_manifest: a stray ',' made yaml-cpp return empty documents forever (75 bytes,
    # 5 GB in 15 s); NULs made it decode the text as UTF-32.
    s = srv("--non-destructive=false", "--dry-run")
    for manifest, expect in ((',"items":[{"apiVersion":"v1","kind":1"ConfigMap","metadata":{"name":"x"}}]}',
                              "made no progress"),
                             ("- a\n,", "made no progress"),
                             ("x\u0000\u0000\u0000: [1]", "control character U+0000")):
        t0 = time.monotonic()
        result, _ = tool(s, "k8s_create_resource", {"manifest": manifest})
        assert time.monotonic() - t0 < 2
        assert result["isError"] and expect in result["content"][0]["text"], result
    result, _ = tool(s, "k8s_create_resource", {"manifest": "apiVersion: v1\nkind: ConfigMap\n"
                                                "metadata: {name: fine, namespace: e2e-read}\n"})
    assert not result["isError"], result  # the server is fine afterwards
