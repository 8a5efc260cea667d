"""The safety policy flags, each on and off, through the tools they govern."""
import subprocess

import pytest

from conftest import call_err, call_ok, connect, text_of

NS = "e2e-read"
MUTATING = {"k8s_create_resource", "k8s_apply_resource", "k8s_delete_resource", "k8s_patch_resource",
            "k8s_scale_resource"}


async def tools(c):
    return {t.name for t in (await c.list_tools()).tools}


async def test_non_destructive_by_default(cluster, objects, anyio_backend):
    async with connect(cluster.kubeconfig) as c:
        assert not (await tools(c)) & MUTATING
        r = await c.call_tool("k8s_delete_resource", {"resourceType": "pod", "name": "single", "namespace": NS})
        assert r.is_error and "--non-destructive" in text_of(r)
    # the pod is still there
    cluster.kubectl("-n", NS, "get", "pod", "single")
    async with connect(cluster.kubeconfig, "--non-destructive=false") as c:
        assert MUTATING <= await tools(c)


async def test_allowed_and_denied_operations(cluster, objects, anyio_backend):
    async with connect(cluster.kubeconfig, "--allowed-operations=get,list") as c:
        assert await tools(c) == {"k8s_get_resource", "k8s_list_resources"}
    async with connect(cluster.kubeconfig, "--non-destructive=false", "--denied-operations=delete,logs") as c:
        names = await tools(c)
        assert "k8s_delete_resource" not in names and "k8s_get_pod_logs" not in names
        assert "k8s_apply_resource" in names


@pytest.mark.parametrize("flag", ["--denied-namespaces=e2e-*", "--allowed-namespaces=default,team-*"])
async def test_namespace_restrictions_in_every_tool(cluster, objects, flag, anyio_backend):
    async with connect(cluster.kubeconfig, "--non-destructive=false", flag) as c:
        calls = [
            ("k8s_get_resource", {"resourceType": "pod", "name": "single", "namespace": NS}),
            ("k8s_list_resources", {"resourceType": "pods", "namespace": NS}),
            ("k8s_list_resources", {"resourceType": "pods", "allNamespaces": True}),
            ("k8s_describe_resource", {"resourceType": "pod", "name": "single", "namespace": NS}),
            ("k8s_get_pod_logs", {"podName": "single", "namespace": NS}),
            ("k8s_delete_resource", {"resourceType": "pod", "name": "single", "namespace": NS}),
            ("k8s_patch_resource", {"resourceType": "pod", "name": "single", "namespace": NS,
                                    "patch": {"metadata": {"labels": {"x": "y"}}}}),
            ("k8s_scale_resource", {"resourceType": "deploy", "name": "web", "namespace": NS, "replicas": 0}),
            ("k8s_create_resource", {"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: z}\n",
                                     "namespace": NS}),
            ("k8s_apply_resource", {"manifest": f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: z, namespace: {NS}}}\n"}),
            ("k8s_exec_pod", {"podName": "single", "namespace": NS, "command": ["true"]}),
            ("k8s_port_forward_pod", {"podName": "single", "namespace": NS, "ports": [":80"]}),
            ("k8s_port_forward_service", {"serviceName": "web", "namespace": NS, "ports": [":8080"]}),
        ]
        for tool, args in calls:
            r = await c.call_tool(tool, args)
            assert r.is_error and "polic" in text_of(r), (tool, text_of(r))
        # the context's own namespace is checked too (viewer's is "default")
        await call_ok(c, "k8s_list_resources", resourceType="pods")
        # cluster-scoped kinds are not namespaced
        await call_ok(c, "k8s_list_resources", resourceType="nodes")
    cluster.kubectl("-n", NS, "get", "pod", "single")  # nothing was deleted
    assert cluster.kubectl("-n", NS, "get", "configmap", "z", check=False).returncode != 0


async def test_denied_resources(cluster, objects, anyio_backend):
    async with connect(cluster.kubeconfig, "--denied-resources=secrets") as c:
        msg = await call_err(c, "k8s_get_resource", resourceType="secret", name="creds", namespace=NS)
        assert "--denied-resources" in msg
        msg = await call_err(c, "k8s_list_resources", resourceType="Secret", namespace=NS)
        assert "--denied-resources" in msg
        await call_ok(c, "k8s_list_resources", resourceType="configmaps", namespace=NS)


async def test_bad_policy_flags_stop_start_up(cluster):
    from conftest import run, BIN
    r = run(BIN, "serve", "--denied-operations=nuke")
    assert r.returncode == 2 and "--denied-operations" in r.stderr and "nuke" in r.stderr
    r = run(BIN, "serve", "--allowed-namespaces=Bad_NS")
    assert r.returncode == 2 and "--allowed-namespaces" in r.stderr


def test_mutating_calls_are_audit_logged_without_secret_values(cluster, objects):
    import json
    from test_protocol import Raw
    manifest = ("apiVersion: v1\nkind: Secret\nmetadata: {name: audit-me, namespace: e2e-read}\n"
                "stringData: {token: super-secret-audit-value}\n")
    s = Raw(cluster.kubeconfig, "--non-destructive=false", "--log-format=json")
    s.initialize()
    r1 = s.request(1, "tools/call", {"name": "k8s_apply_resource", "arguments": {"manifest": manifest}})
    r2 = s.request(2, "tools/call", {"name": "k8s_delete_resource",
                                     "arguments": {"resourceType": "secret", "name": "audit-me", "namespace": "e2e-read"}})
    s.close()
    stderr = s.p.stderr.read()
    audit = [json.loads(line) for line in stderr.splitlines() if '"audit ' in line]
    assert len(audit) == 2, stderr
    assert "tool=k8s_apply_resource" in audit[0]["msg"] and "outcome=ok" in audit[0]["msg"]
    assert "tool=k8s_delete_resource" in audit[1]["msg"] and "target=secret/audit-me" in audit[1]["msg"]
    assert "outcome=ok" in audit[1]["msg"]
    everything = stderr + json.dumps(r1) + json.dumps(r2)
    assert "super-secret-audit-value" not in everything and "c3VwZXItc2VjcmV0" not in everything


async def test_flags_that_would_do_nothing_are_refused(cluster):
    # README: no flag is silently accepted. Federation flags without --enable-capi would do nothing.
    from conftest import run, BIN
    for flag, named in (("--capi-mode=sso-passthrough", "--capi-mode"),
                        ('--capi-group-mappings={"oidc:a": "b"}', "--capi-group-mappings")):
        r = run(BIN, "serve", flag, stdin=subprocess.DEVNULL)
        assert r.returncode == 2 and f"{named}: needs --enable-capi" in r.stderr, (flag, r.stderr)
    # a malformed value is exit 2, naming it
    r = run(BIN, "serve", stdin=subprocess.DEVNULL, env={"WC_GROUP_MAPPINGS": "[1]"})
    assert r.returncode == 2 and "WC_GROUP_MAPPINGS" in r.stderr, r.stderr
    # --enable-capi needs each user's own identity
    r = run(BIN, "serve", "--enable-capi", stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "--enable-capi: needs --enable-oauth and --downstream-oauth" in r.stderr, r.stderr
    # OAuth has landed: its flags do nothing without --enable-oauth, so they are refused (exit 2).
    r = run(BIN, "serve", "--dex-client-id=x", stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "--dex-client-id: needs --enable-oauth" in r.stderr, r.stderr
