"""Port-forward to pods and services moving real bytes through the API server and kwok."""
import socket
import urllib.request

import pytest

from conftest import call_err, call_ok, connect, text_of

NS = "e2e-read"


@pytest.fixture
async def rw(cluster, era, transport, anyio_backend):
    async with connect(cluster.kubeconfig, "--non-destructive=false", era=era, transport=transport) as c:
        yield c


def fetch(port):
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


async def test_pod_forward_moves_bytes_and_is_listed(rw, cluster, objects):
    r = await call_ok(rw, "k8s_port_forward_pod", podName="single", namespace=NS, ports=[":80"])
    sc = r.structured_content
    port = sc["ports"][0]["local"]
    assert sc["ports"][0]["remote"] == 80 and port > 0
    assert fetch(port).strip() == f"mcpk-portforward-ok {cluster.name}"
    assert fetch(port)  # a second connection through the same forward
    lst = (await call_ok(rw, "k8s_list_port_forwards")).structured_content["sessions"]
    assert lst[0]["sessionId"] == sc["sessionId"] and lst[0]["connections"] == 2 and lst[0]["bytesIn"] > 0
    await call_ok(rw, "k8s_stop_port_forward", sessionId=sc["sessionId"])
    assert not listening(port)
    assert "No port-forwards" in text_of(await call_ok(rw, "k8s_list_port_forwards"))


async def test_service_forward_resolves_target_port(rw, cluster, objects):
    r = await call_ok(rw, "k8s_port_forward_service", serviceName="web", namespace=NS, ports=["0:8080"])
    assert r.structured_content["ports"][0]["remote"] == 80  # service 8080 -> targetPort 80
    assert "pod web-" in text_of(r)
    assert fetch(r.structured_content["ports"][0]["local"]).startswith("mcpk-portforward-ok")
    r = await call_ok(rw, "k8s_port_forward_service", serviceName="web", namespace=NS, ports=[":http"])
    assert r.structured_content["ports"][0]["remote"] == 80
    msg = await call_err(rw, "k8s_port_forward_service", serviceName="web", namespace=NS, ports=[":9999"])
    assert "no port \"9999\"" in msg
    await call_ok(rw, "k8s_stop_port_forward")


async def test_two_sessions_and_session_end_cleanup(cluster, objects, anyio_backend):
    async with connect(cluster.kubeconfig, "--non-destructive=false") as a:
        async with connect(cluster.kubeconfig, "--non-destructive=false") as b:
            pa = (await call_ok(a, "k8s_port_forward_pod", podName="single", namespace=NS, ports=[":80"])
                  ).structured_content["ports"][0]["local"]
            pb = (await call_ok(b, "k8s_port_forward_pod", podName="multi", namespace=NS, ports=[":80"])
                  ).structured_content["ports"][0]["local"]
            assert fetch(pa) and fetch(pb)
            # each session sees only its own
            assert len((await call_ok(b, "k8s_list_port_forwards")).structured_content["sessions"]) == 1
        assert not listening(pb)  # b's session ended: its forward is gone
        assert fetch(pa)


async def test_port_in_use_and_bad_ports(rw, objects):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        msg = await call_err(rw, "k8s_port_forward_pod", podName="single", namespace=NS, ports=[f"{port}:80"])
        assert "cannot listen" in msg and str(port) in msg
    assert "pattern" in await call_err(rw, "k8s_port_forward_pod", podName="single", namespace=NS, ports=["a:b:c"])
    assert "0 to 65535" in await call_err(rw, "k8s_port_forward_pod", podName="single", namespace=NS,
                                          ports=["70000:80"])
    assert "1 to 65535" in await call_err(rw, "k8s_port_forward_pod", podName="single", namespace=NS, ports=["80:0"])
    assert "not found" in await call_err(rw, "k8s_port_forward_pod", podName="ghost", namespace=NS, ports=[":80"])
    assert "no port-forward" in await call_err(rw, "k8s_stop_port_forward", sessionId="pf-404")


async def test_refused_without_permission_or_in_dry_run(cluster, objects, anyio_backend):
    async with connect(cluster.kubeconfig, "--dry-run") as c:
        r = await c.call_tool("k8s_port_forward_pod", {"podName": "single", "namespace": NS, "ports": [":80"]})
        assert r.is_error and "--dry-run" in text_of(r)
