"""k8s_get_api_resources and k8s_get_cluster_health."""
from conftest import call_ok, text_of


async def test_api_resources_filters(mcp, objects):
    r = await call_ok(mcp, "k8s_get_api_resources", apiGroup="apps")
    names = {x["name"] for x in r.structured_content["resources"]}
    assert {"deployments", "statefulsets", "daemonsets", "replicasets"} <= names
    assert all(x["groupVersion"] == "apps/v1" for x in r.structured_content["resources"])
    r = await call_ok(mcp, "k8s_get_api_resources", namespaced=False, verbs=["list"])
    names = {x["name"] for x in r.structured_content["resources"]}
    assert "nodes" in names and "namespaces" in names and "pods" not in names
    r = await call_ok(mcp, "k8s_get_api_resources", apiGroup="e2e.mcpk.io")
    [w] = r.structured_content["resources"]
    assert w["kind"] == "Widget" and w["shortNames"] == ["wdg"] and w["namespaced"]
    r = await call_ok(mcp, "k8s_get_api_resources", apiGroup="core")
    pods = next(x for x in r.structured_content["resources"] if x["name"] == "pods")
    assert pods["shortNames"] == ["po"] and "create" in pods["verbs"]


async def test_api_resources_paging(mcp):
    r1 = await call_ok(mcp, "k8s_get_api_resources", limit=10)
    assert len(r1.structured_content["resources"]) == 10 and r1.structured_content["continue"]
    r2 = await call_ok(mcp, "k8s_get_api_resources", limit=10, **{"continue": r1.structured_content["continue"]})
    a = {x["name"] + x["groupVersion"] for x in r1.structured_content["resources"]}
    b = {x["name"] + x["groupVersion"] for x in r2.structured_content["resources"]}
    assert not a & b
    for bad in ["b2Zmc2V0OjEwMDAwMA==", "b2Zmc2V0OmFiYw==", "nonsense"]:
        r = await mcp.call_tool("k8s_get_api_resources", {"continue": bad})
        assert r.is_error and "invalid continue token" in text_of(r)


async def test_cluster_health(mcp):
    r = await call_ok(mcp, "k8s_get_cluster_health")
    s = r.structured_content
    assert s["verdict"] == "Healthy" and s["version"] == "v1.36.3" and s["readyz"] and s["livez"]
    assert {n["name"] for n in s["nodes"]} == {"kwok-node-0", "kwok-node-1"}
    assert "Verdict: Healthy" in text_of(r)
    r = await call_ok(mcp, "k8s_get_cluster_health", nodesLimit=1)
    assert len(r.structured_content["nodes"]) == 1 and "first page only" in text_of(r)
    r = await call_ok(mcp, "k8s_get_cluster_health", includeNodes=False)
    assert "nodes" not in r.structured_content


async def test_cluster_health_as_viewer(mcp):
    r = await call_ok(mcp, "k8s_get_cluster_health", context="viewer")
    assert r.structured_content["verdict"] in {"Healthy", "Degraded"}
