"""Context tools and per-context access: viewer/restricted RBAC, switching per session,
an unreachable context, never a credential in output."""
import pytest
import yaml

from conftest import call_err, call_ok, connect, text_of

NS = "e2e-read"


def with_unreachable(cluster, tmp_path):
    """KUBECONFIG list: the cluster's file plus one with a context whose server refuses connections."""
    extra = tmp_path / "unreachable.yaml"
    extra.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "gone", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "gone-user", "user": {"token": "not-a-real-token-123"}}],
        "contexts": [{"name": "unreachable", "context": {"cluster": "gone", "user": "gone-user"}}]}))
    return f"{cluster.kubeconfig}:{extra}"


async def test_list_get_switch(mcp, cluster, era, transport):
    r = await call_ok(mcp, "k8s_list_contexts")
    ctxs = {c["name"]: c for c in r.structured_content["contexts"]}
    assert set(ctxs) == {"admin", "viewer", "restricted"}
    assert ctxs["admin"]["current"] and ctxs["restricted"]["namespace"] == "team-a"
    text = text_of(r)
    kc = yaml.safe_load(open(cluster.kubeconfig))
    for u in kc["users"]:
        for secret in u["user"].values():
            assert str(secret)[:40] not in text  # no token, cert or key
    assert "Current context: admin" in text_of(await call_ok(mcp, "k8s_get_current_context"))
    if era == "modern" and transport == "http":
        msg = await call_err(mcp, "k8s_switch_context", contextName="restricted")
        assert "stateless" in msg and "context on each call" in msg
        return
    await call_ok(mcp, "k8s_switch_context", contextName="restricted")
    assert "Current context: restricted" in text_of(await call_ok(mcp, "k8s_get_current_context"))
    # the restricted user's default namespace is team-a, where it may list
    await call_ok(mcp, "k8s_list_resources", resourceType="pods")
    msg = await call_err(mcp, "k8s_switch_context", contextName="nope")
    assert "unknown context \"nope\"" in msg and "admin" in msg and "viewer" in msg


async def test_switch_is_per_session(cluster):
    async with connect(cluster.kubeconfig) as a, connect(cluster.kubeconfig) as b:
        await call_ok(a, "k8s_switch_context", contextName="viewer")
        assert "Current context: viewer" in text_of(await call_ok(a, "k8s_get_current_context"))
        assert "Current context: admin" in text_of(await call_ok(b, "k8s_get_current_context"))
    # the kubeconfig file is not rewritten
    assert yaml.safe_load(open(cluster.kubeconfig))["current-context"] == "admin"


async def test_viewer_and_restricted_get_clear_403(mcp, objects):
    await call_ok(mcp, "k8s_list_resources", resourceType="pods", namespace=NS, context="viewer")
    msg = await call_err(mcp, "k8s_get_resource", resourceType="secret", name="creds", namespace=NS, context="viewer")
    assert "forbidden" in msg and "mcpk-viewer" in msg and "secrets" in msg and "context viewer" in msg
    msg = await call_err(mcp, "k8s_list_resources", resourceType="pods", namespace="default", context="restricted")
    assert "forbidden" in msg and "mcpk-restricted" in msg and "list" in msg and "\"default\"" in msg


@pytest.fixture
async def unreachable_mcp(cluster, tmp_path, era, anyio_backend):
    import time
    kubeconfig = with_unreachable(cluster, tmp_path)
    t0 = time.monotonic()
    async with connect(kubeconfig, era=era) as c:
        c.started_in = time.monotonic() - t0
        yield c


async def test_unreachable_context_does_not_block_others(unreachable_mcp):
    c = unreachable_mcp
    assert c.started_in < 5
    msg = await call_err(c, "k8s_list_resources", resourceType="pods", context="unreachable")
    assert "cannot reach the API server at 127.0.0.1:1" in msg and "not-a-real-token" not in msg
    await call_ok(c, "k8s_list_resources", resourceType="pods", namespace=NS, context="admin")
    msg = await call_err(c, "k8s_list_resources", resourceType="pods", context="no-such-context")
    assert "no-such-context" in msg and "not found" in msg and "admin" in msg
