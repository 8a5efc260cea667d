"""Mutating tools against the real cluster; every effect is checked with kubectl, not with our
own tools."""
import json
import time
import uuid

import pytest

from conftest import call_err, call_ok, connect, text_of


@pytest.fixture
def ns(cluster):
    name = f"e2e-mut-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false")


@pytest.fixture
async def rw(cluster, era, transport, anyio_backend):
    async with connect(cluster.kubeconfig, "--non-destructive=false", era=era, transport=transport) as c:
        yield c


def get(cluster, *args):
    return json.loads(cluster.kubectl("get", *args, "-o", "json").stdout)


CM = """apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {color: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cr3t-value}
"""


async def test_create_multi_document(rw, cluster, ns):
    r = await call_ok(rw, "k8s_create_resource", manifest=CM, namespace=ns)
    assert [x["outcome"] for x in r.structured_content["results"]] == ["created", "created"]
    assert r.structured_content["dryRun"] is False
    assert get(cluster, "configmap", "cfg", "-n", ns)["data"] == {"color": "blue"}
    assert "s3cr3t" not in text_of(r) and "czNjcjN0" not in text_of(r)
    r = await call(rw, "k8s_create_resource", manifest=CM, namespace=ns)
    assert r.is_error and "already exists" in text_of(r)


async def call(c, tool, **a):
    return await c.call_tool(tool, a)


async def test_apply_created_configured_unchanged_and_conflict(rw, cluster, ns):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": ns},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                    "template": {"metadata": {"labels": {"app": "api"}},
                                 "spec": {"containers": [{"name": "api", "image": "nginx:1.27"}]}}}}
    r = await call_ok(rw, "k8s_apply_resource", manifest=dep)
    assert r.structured_content["results"][0]["outcome"] == "created"
    r = await call_ok(rw, "k8s_apply_resource", manifest=json.dumps(dep))
    assert r.structured_content["results"][0]["outcome"] == "unchanged"
    dep["spec"]["replicas"] = 2
    r = await call_ok(rw, "k8s_apply_resource", manifest=dep)
    assert r.structured_content["results"][0]["outcome"] == "configured"
    assert get(cluster, "deployment", "api", "-n", ns)["spec"]["replicas"] == 2
    # another manager owns replicas now: a conflict names the field and suggests force
    cluster.kubectl("-n", ns, "scale", "deployment", "api", "--replicas=3")
    dep["spec"]["replicas"] = 4
    msg = await call_err(rw, "k8s_apply_resource", manifest=dep)
    assert "conflict" in msg and ".spec.replicas" in msg and "force=true" in msg
    r = await call_ok(rw, "k8s_apply_resource", manifest=dep, force=True)
    assert get(cluster, "deployment", "api", "-n", ns)["spec"]["replicas"] == 4
    managers = {m["manager"] for m in get(cluster, "deployment", "api", "-n", ns, "--show-managed-fields")
                ["metadata"]["managedFields"]}
    assert "mcp-kubernetes" in managers


async def test_patch_three_types_and_status(rw, cluster, ns, objects):
    cluster.kubectl("-n", ns, "create", "configmap", "p", "--from-literal=a=1")
    await call_ok(rw, "k8s_patch_resource", resourceType="cm", name="p", namespace=ns, patch={"data": {"b": "2"}})
    await call_ok(rw, "k8s_patch_resource", resourceType="cm", name="p", namespace=ns, patchType="merge",
                  patch='{"data": {"c": "3"}}')
    await call_ok(rw, "k8s_patch_resource", resourceType="cm", name="p", namespace=ns, patchType="json",
                  patch=[{"op": "remove", "path": "/data/a"}])
    assert get(cluster, "cm", "p", "-n", ns)["data"] == {"b": "2", "c": "3"}
    msg = await call_err(rw, "k8s_patch_resource", resourceType="cm", name="p", namespace=ns, patchType="json",
                         patch={"data": {}})
    assert "array of operations" in msg
    msg = await call_err(rw, "k8s_patch_resource", resourceType="widgets", name="gizmo", namespace="e2e-read",
                         patchType="strategic", patch={"spec": {"size": "small"}})
    assert "custom resource" in msg and "merge" in msg
    await call_ok(rw, "k8s_patch_resource", resourceType="widgets", name="gizmo", namespace="e2e-read",
                  subresource="status", patch={"status": {"replicas": 7}})
    assert get(cluster, "widgets.e2e.mcpk.io", "gizmo", "-n", "e2e-read")["status"]["replicas"] == 7


async def test_scale_deployment_and_crd(rw, cluster, ns, objects):
    cluster.kubectl("-n", ns, "create", "deployment", "s", "--image=nginx:1.27")
    r = await call_ok(rw, "k8s_scale_resource", resourceType="deploy", name="s", namespace=ns, replicas=3)
    assert "scaled to 3" in text_of(r)
    assert get(cluster, "deployment", "s", "-n", ns)["spec"]["replicas"] == 3
    await call_ok(rw, "k8s_scale_resource", resourceType="wdg", name="gizmo", namespace="e2e-read", replicas=5)
    assert get(cluster, "widgets.e2e.mcpk.io", "gizmo", "-n", "e2e-read")["spec"]["replicas"] == 5
    msg = await call_err(rw, "k8s_scale_resource", resourceType="configmaps", name="x", namespace=ns, replicas=1)
    assert "no scale subresource" in msg


async def test_delete_with_options(rw, cluster, ns):
    cluster.kubectl("-n", ns, "create", "configmap", "gone")
    await call_ok(rw, "k8s_delete_resource", resourceType="configmap", name="gone", namespace=ns,
                  propagationPolicy="Foreground", gracePeriodSeconds=0)
    # Foreground deletion: the garbage collector removes the object (and its finalizer) shortly after.
    for _ in range(50):
        if cluster.kubectl("-n", ns, "get", "configmap", "gone", check=False).returncode != 0:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("configmap gone was not deleted")
    msg = await call_err(rw, "k8s_delete_resource", resourceType="configmap", name="gone", namespace=ns)
    assert "not found" in msg


async def test_bad_manifests_leave_cluster_unchanged(rw, cluster, ns):
    before = cluster.kubectl("-n", ns, "get", "all,cm", "-o", "name").stdout
    assert "invalid YAML" in await call_err(rw, "k8s_create_resource", manifest="kind: [", namespace=ns)
    assert "has no kind" in await call_err(rw, "k8s_apply_resource",
                                           manifest="apiVersion: v1\nmetadata: {name: x}\n", namespace=ns)
    assert "no resource type" in await call_err(rw, "k8s_create_resource",
                                                manifest="apiVersion: v1\nkind: Flurb\nmetadata: {name: x}\n",
                                                namespace=ns)
    assert "holds no objects" in await call_err(rw, "k8s_create_resource", manifest="---\n", namespace=ns)
    assert "has no items array" in await call_err(rw, "k8s_create_resource", manifest="apiVersion: v1\nkind: List\n",
                                                  namespace=ns)
    assert "not a valid object name" in await call_err(rw, "k8s_delete_resource", resourceType="cm", name="a/b",
                                                       namespace=ns)
    assert "replicas" in await call_err(rw, "k8s_scale_resource", resourceType="deploy", name="x", namespace=ns,
                                        replicas=-1)
    assert cluster.kubectl("-n", ns, "get", "all,cm", "-o", "name").stdout == before


async def test_dry_run(cluster, ns, anyio_backend):
    async with connect(cluster.kubeconfig, "--dry-run", "--non-destructive=false") as c:
        names = {t.name for t in (await c.list_tools()).tools}
        assert "k8s_apply_resource" in names
        r = await call_ok(c, "k8s_create_resource", manifest=CM, namespace=ns)
        assert r.structured_content["dryRun"] is True and "(dry run)" in text_of(r)
        cluster.kubectl("-n", ns, "create", "configmap", "keep")
        await call_ok(c, "k8s_delete_resource", resourceType="cm", name="keep", namespace=ns)
        await call_ok(c, "k8s_patch_resource", resourceType="cm", name="keep", namespace=ns, patch={"data": {"x": "y"}})
    assert cluster.kubectl("-n", ns, "get", "configmap", "cfg", check=False).returncode != 0
    assert "data" not in get(cluster, "configmap", "keep", "-n", ns)
