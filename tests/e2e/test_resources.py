"""k8s_get_resource, k8s_list_resources, k8s_describe_resource against the real cluster."""
import json

from conftest import call_err, call_ok, text_of

NS = "e2e-read"


async def test_get_pod_slim_full_yaml(mcp, objects):
    r = await call_ok(mcp, "k8s_get_resource", resourceType="pods", name="single", namespace=NS)
    obj = r.structured_content["object"]
    assert obj["metadata"]["name"] == "single"
    assert "managedFields" not in obj["metadata"] and "uid" not in obj["metadata"]
    assert obj["status"]["phase"] == "Running"
    full = (await call_ok(mcp, "k8s_get_resource", resourceType="pod", name="single", namespace=NS,
                          output="full")).structured_content["object"]
    assert "uid" in full["metadata"] and "managedFields" in full["metadata"]
    y = text_of(await call_ok(mcp, "k8s_get_resource", resourceType="po", name="single", namespace=NS, output="yaml"))
    assert y.startswith("kind: Pod\n") and "  name: single\n" in y


async def test_type_names_resolve_like_kubectl(mcp, objects):
    for t in ["deployments", "deployment", "Deployment", "deploy", "deployments.apps", "deployments.v1.apps"]:
        r = await call_ok(mcp, "k8s_get_resource", resourceType=t, name="web", namespace=NS)
        assert r.structured_content["object"]["kind"] == "Deployment", t
    r = await call_ok(mcp, "k8s_get_resource", resourceType="deployments", apiGroup="apps/v1", name="web", namespace=NS)
    assert r.structured_content["object"]["apiVersion"] == "apps/v1"


async def test_crd_and_cluster_scoped(mcp, objects):
    for t in ["widgets", "widget", "Widget", "wdg", "widgets.e2e.mcpk.io"]:
        r = await call_ok(mcp, "k8s_get_resource", resourceType=t, name="gizmo", namespace=NS)
        assert r.structured_content["object"]["spec"]["size"] == "large"
    table = text_of(await call_ok(mcp, "k8s_list_resources", resourceType="widgets", namespace=NS))
    assert "SIZE" in table and "large" in table  # the CRD's own printer columns
    r = await call_ok(mcp, "k8s_get_resource", resourceType="nodes", name="kwok-node-0", namespace="ignored-ns")
    assert "cluster-scoped" in text_of(r) and "ignored" in text_of(r)
    r = await call_ok(mcp, "k8s_list_resources", resourceType="namespaces", output="names")
    names = [i["name"] for i in r.structured_content["items"]]
    assert NS in names and all("namespace" not in i for i in r.structured_content["items"])


async def test_secret_values_masked_everywhere(mcp, objects):
    for output in ["slim", "full", "yaml"]:
        t = text_of(await call_ok(mcp, "k8s_get_resource", resourceType="secret", name="creds", namespace=NS,
                                  output=output))
        assert "aHVudGVyMi12ZXJ5LXNlY3JldA" not in t and "hunter2" not in t
        assert "***" in t and "password" in t
    for output in ["full", "slim"]:
        r = await call_ok(mcp, "k8s_list_resources", resourceType="secrets", namespace=NS, output=output)
        assert "aHVudGVy" not in text_of(r) and "aHVudGVy" not in json.dumps(r.structured_content)
    t = text_of(await call_ok(mcp, "k8s_describe_resource", resourceType="secret", name="creds", namespace=NS))
    assert "aHVudGVy" not in t


async def test_list_table_selectors_all_namespaces(mcp, objects):
    r = await call_ok(mcp, "k8s_list_resources", resourceType="pods", namespace=NS, labelSelector="app=multi")
    assert [i["name"] for i in r.structured_content["items"]] == ["multi"]
    assert "READY" in text_of(r) and "2/2" in text_of(r)
    r = await call_ok(mcp, "k8s_list_resources", resourceType="pods", allNamespaces=True, labelSelector="app=web")
    assert "NAMESPACE" in text_of(r)
    assert {i["namespace"] for i in r.structured_content["items"]} == {NS}
    r = await call_ok(mcp, "k8s_list_resources", resourceType="pods", namespace=NS,
                      fieldSelector="metadata.name=single", output="slim")
    items = r.structured_content["items"]
    assert len(items) == 1 and items[0]["object"]["metadata"]["name"] == "single"
    r = await call_ok(mcp, "k8s_list_resources", resourceType="pods", namespace=NS, labelSelector="app=none")
    assert "No pods found" in text_of(r) and r.structured_content["items"] == []


async def test_paging_1500_configmaps_nothing_lost_or_repeated(mcp, objects):
    seen, token, pages = [], None, 0
    while True:
        args = dict(resourceType="configmaps", namespace=objects["paging_ns"], labelSelector="batch=paging",
                    limit=500, output="names")
        if token:
            args["continue"] = token
        r = await call_ok(mcp, "k8s_list_resources", **args)
        sc = r.structured_content
        seen += [i["name"] for i in sc["items"]]
        pages += 1
        token = sc["continue"]
        if not token:
            break
        assert sc["remainingItemCount"] is None  # the API server gives no count for selector lists
    assert len(seen) == objects["paging_count"] and len(set(seen)) == len(seen)
    assert seen == sorted(seen) and pages in (3, 4)  # with a selector the server cannot say "0 remaining"
    # without a selector it counts what remains (kube-root-ca.crt is the extra ConfigMap)
    r = await call_ok(mcp, "k8s_list_resources", resourceType="configmaps", namespace=objects["paging_ns"],
                      limit=500, output="names")
    assert r.structured_content["remainingItemCount"] == objects["paging_count"] + 1 - 500


async def test_budget_shrinks_page_never_drops(cluster, objects):
    from conftest import connect
    async with connect(cluster.kubeconfig, "--max-response-bytes=8192") as c:
        seen, token = [], None
        for _ in range(400):
            args = dict(resourceType="configmaps", namespace=objects["paging_ns"], limit=500, output="full")
            if token:
                args["continue"] = token
            r = await call_ok(c, "k8s_list_resources", **args)
            assert len(text_of(r)) <= 8192
            names = [i["name"] for i in r.structured_content["items"]]
            assert 0 < len(names) < 500
            seen += names
            token = r.structured_content["continue"]
            if not token or len(seen) >= 120:
                break
        assert seen == [f"cm-{i:05d}" for i in range(len(seen))]  # contiguous: nothing skipped


async def test_describe_pod_with_events_and_containers(mcp, cluster, objects):
    t = text_of(await call_ok(mcp, "k8s_describe_resource", resourceType="pod", name="multi", namespace=NS))
    assert "kind: Pod" in t and "Containers:" in t and "main: Running" in t and "sidecar: Running" in t
    assert "restarts=0" in t and "Events" in t
    t = text_of(await call_ok(mcp, "k8s_describe_resource", resourceType="deployment", name="web", namespace=NS))
    assert "ScalingReplicaSet" in t  # the controller-manager's event about this Deployment


async def test_bad_arguments_give_helpful_errors(mcp, objects):
    msg = await call_err(mcp, "k8s_get_resource", resourceType="flurbs", name="x", namespace=NS)
    assert "no resource type \"flurbs\"" in msg
    msg = await call_err(mcp, "k8s_get_resource", resourceType="deploymnets", name="x", namespace=NS)
    assert "did you mean" in msg and "deployments.apps" in msg
    msg = await call_err(mcp, "k8s_get_resource", resourceType="pods", namespace=NS)
    assert "missing required argument 'name'" in msg
    msg = await call_err(mcp, "k8s_list_resources", resourceType="pods", namespace=NS, labelSelector="app in (")
    assert "unable to parse" in msg or "invalid" in msg.lower()
    msg = await call_err(mcp, "k8s_list_resources", resourceType="pods", limit="ten")
    assert "'limit'" in msg and "expected integer" in msg
    msg = await call_err(mcp, "k8s_list_resources", resourceType="pods", limit=501)
    assert "at most 500" in msg
    msg = await call_err(mcp, "k8s_list_resources", resourceType="pods", nmespace="x")
    assert "unknown argument 'nmespace'" in msg and "did you mean 'namespace'" in msg
    msg = await call_err(mcp, "k8s_get_resource", resourceType="pods", name="x", output="xml")
    assert "must be one of: slim, full, yaml" in msg
    msg = await call_err(mcp, "k8s_get_resource", resourceType="pods", name="no-such-pod", namespace=NS)
    assert "not found" in msg and "no-such-pod" in msg


async def test_deleted_pod(mcp, cluster, objects):
    cluster.kubectl("-n", NS, "run", "short-lived", "--image=busybox:1.36")
    await call_ok(mcp, "k8s_get_resource", resourceType="pod", name="short-lived", namespace=NS)
    cluster.kubectl("-n", NS, "delete", "pod", "short-lived", "--wait=true", "--timeout=30s")
    msg = await call_err(mcp, "k8s_get_resource", resourceType="pod", name="short-lived", namespace=NS)
    assert "not found" in msg
    msg = await call_err(mcp, "k8s_get_pod_logs", podName="short-lived", namespace=NS)
    assert "not found" in msg


async def test_crd_installed_after_start_is_found(mcp, cluster, era):
    import uuid
    group = f"late{era}{uuid.uuid4().hex[:8]}.e2e.mcpk.io"  # new for every run, even on a reused cluster
    msg = await call_err(mcp, "k8s_list_resources", resourceType=f"gadgets.{group}")
    assert "no resource type" in msg
    cluster.kubectl("apply", "-f", "-", input=f"""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: gadgets.{group}}}
spec:
  group: {group}
  scope: Cluster
  names: {{kind: Gadget, plural: gadgets, singular: gadget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
""")
    cluster.kubectl("wait", "--for=condition=Established", f"crd/gadgets.{group}", "--timeout=30s")
    import anyio
    await anyio.sleep(2.1)  # discovery is reloaded on a miss at most every 2 s
    r = await call_ok(mcp, "k8s_list_resources", resourceType=f"gadgets.{group}")
    assert "No gadgets found" in text_of(r)


async def test_describe_events_limit(mcp, objects):
    t = text_of(await call_ok(mcp, "k8s_describe_resource", resourceType="deployment", name="web", namespace=NS,
                              eventsLimit=1))
    assert "Events (1 of" in t
    t = text_of(await call_ok(mcp, "k8s_describe_resource", resourceType="deployment", name="web", namespace=NS,
                              eventsLimit=0))
    assert "Events" not in t
