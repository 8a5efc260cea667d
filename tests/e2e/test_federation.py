"""Cluster API federation end to end (--enable-capi), with two real clusters, Dex and real logins.

The management cluster is the e2e cluster (it trusts Dex; OAuth with downstream identity is on,
so every management-cluster request of a call is the user's own). It serves the real Cluster CRD
(from the cluster-api module, applied server-side) and fixture Clusters:

  org-acme/prod      → the workload cluster "fedwl" (a second harness cluster, with an audit log)
  org-beta/prod      → the same workload cluster (a name used in two namespaces)
  org-beta/mgmt      → the management cluster itself, as a workload cluster (a second API server)
  org-acme/closed    → a closed port
  org-acme/silent    → a socket that accepts and never answers
  org-acme/nosecret  → no kubeconfig Secret
  org-acme/garbage   → a kubeconfig Secret that is not a kubeconfig
  org-acme/execplug  → a kubeconfig Secret with an exec plugin (refused: restricted kubeconfig)

Each kubeconfig Secret holds the token of a service account that may *only impersonate*; the
workload clusters' RBAC differs per user and group: alice (Dex group team-view) may view
everything; carol (team-edit, mapped to wl-editors by WC_GROUP_MAPPINGS) may edit team-a; bob
nothing. The workload API server's audit log shows the exact impersonation.
"""
import base64
import concurrent.futures
import json
import pathlib
import socket
import sys
import threading
import time

import pytest
import yaml

from conftest import ERAS, HttpServer, text_of
from test_oauth import OAuthClient, bearer_client, http, oauth_flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from oauth_support import kube_request  # noqa: E402

IMPERSONATOR = "mcp-impersonator"
MAPPINGS = '{"team-edit": "wl-editors"}'

RBAC = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: mcp-impersonator, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mcpk-fed-impersonate}
rules:
- apiGroups: [""]
  resources: [users, groups]
  verbs: [impersonate]
- apiGroups: [authentication.k8s.io]
  resources: [userextras/agent, userextras/sub]
  verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mcpk-fed-impersonate}
subjects: [{kind: ServiceAccount, name: mcp-impersonator, namespace: kube-system}]
roleRef: {kind: ClusterRole, name: mcpk-fed-impersonate, apiGroup: rbac.authorization.k8s.io}
---
# impersonated: the Dex groups as they are (team-view) or mapped (team-edit -> wl-editors)
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mcpk-fed-team-view}
subjects: [{kind: Group, name: team-view, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: mcpk-fed-wl-editors, namespace: team-a}
subjects: [{kind: Group, name: wl-editors, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: edit, apiGroup: rbac.authorization.k8s.io}
"""

# On the workload cluster only: the users' own tokens (sso-passthrough) carry "oidc:" groups.
SSO_RBAC = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mcpk-fed-sso-team-view}
subjects: [{kind: Group, name: "oidc:team-view", apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
"""

# On the management cluster: who may see Clusters (alice and carol; bob may not).
MANAGEMENT_RBAC = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mcpk-fed-clusters-reader}
rules:
- apiGroups: [cluster.x-k8s.io]
  resources: [clusters]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mcpk-fed-clusters-reader}
subjects:
- {kind: Group, name: "oidc:team-view", apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: "oidc:team-edit", apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: mcpk-fed-clusters-reader, apiGroup: rbac.authorization.k8s.io}
"""


def apply_text(cluster, text):
    cluster.kubectl("apply", "-f", "-", input=text)


def kubeconfig_of(cluster):
    return yaml.safe_load(pathlib.Path(cluster.kubeconfig).read_text())


def endpoint_of(cluster):
    kc = kubeconfig_of(cluster)
    c = kc["clusters"][0]["cluster"]
    host_port = c["server"].split("://", 1)[1]
    host, port = host_port.rsplit(":", 1)
    return c["server"], c["certificate-authority-data"], host, int(port)


def impersonator_kubeconfig(cluster, server=None):
    """A kubeconfig (inline data only) whose token may only impersonate, on `cluster`."""
    apply_text(cluster, RBAC)
    token = cluster.kubectl("create", "token", IMPERSONATOR, "-n", "kube-system", "--duration=2h").stdout.strip()
    real_server, ca, _, _ = endpoint_of(cluster)
    return token, {
        "apiVersion": "v1", "kind": "Config", "current-context": "wl",
        "clusters": [{"name": "wl", "cluster": {"server": server or real_server, "certificate-authority-data": ca}}],
        "users": [{"name": "mcp", "user": {"token": token}}],
        "contexts": [{"name": "wl", "context": {"cluster": "wl", "user": "mcp", "namespace": "default"}}],
    }


def cluster_object(ns, name, host="127.0.0.1", port=6443, ready=True):
    return {
        "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
        "metadata": {"name": name, "namespace": ns, "labels": {"giantswarm.io/organization": ns[4:]}},
        "spec": {"controlPlaneEndpoint": {"host": host, "port": port},
                 "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "DockerCluster",
                                       "name": name}},
    }, {"status": {"phase": "Provisioned" if ready else "Provisioning",
                   "initialization": {"infrastructureProvisioned": ready, "controlPlaneInitialized": ready},
                   "conditions": [{"type": "Available", "status": "True" if ready else "False",
                                   "reason": "Available" if ready else "NotAvailable", "message": "",
                                   "lastTransitionTime": "2026-12-01T00:00:00Z"}]}}


def secret(ns, name, value: bytes | None):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns},
            "data": {"value": base64.b64encode(value).decode()}}


def add_cluster(mgmt, ns, name, kubeconfig=None, raw=None, host="127.0.0.1", port=6443, ca_pem=None, ready=True):
    obj, status = cluster_object(ns, name, host, port, ready)
    items = [obj]
    if kubeconfig is not None or raw is not None:
        items.append(secret(ns, f"{name}-kubeconfig", raw if raw is not None else yaml.safe_dump(kubeconfig).encode()))
    if ca_pem:
        items.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{name}-ca-public", "namespace": ns},
                      "data": {"ca.crt": ca_pem}})
    mgmt.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-",
                 input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    mgmt.kubectl("patch", "clusters.cluster.x-k8s.io", name, "-n", ns, "--subresource=status", "--type=merge",
                 "-p", json.dumps(status))


class Silent:
    """A TCP listener whose connections are accepted (by the kernel) and never answered."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _harness():
    """tests/conftest.py as a module (its name is taken by tests/e2e/conftest.py): cluster_up ..."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("mcpk_harness", pathlib.Path(__file__).parents[1] / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fed(cluster, oauth_rbac):
    env = oauth_rbac
    harness = _harness()
    crd = (pathlib.Path.home() / ".cache/mcp-kubernetes/testbins" / f"capi-{harness._versions()['CAPI_VERSION']}" /
           "cluster.x-k8s.io_clusters.yaml")
    assert crd.exists(), f"{crd} missing: tests/cluster/build capi"
    cluster.kubectl("apply", "--server-side", "-f", str(crd))
    cluster.kubectl("wait", "--for=condition=Established", "crd/clusters.cluster.x-k8s.io", "--timeout=60s")
    wl = harness.cluster_up("fedwl", "--no-build", "--audit-log", "--authentication-config", env["MCPK_OAUTH_AUTHN_CONFIG"])
    silent = Silent()
    try:
        apply_text(wl, SSO_RBAC)
        wl_token, wl_kc = impersonator_kubeconfig(wl)
        mgmt_token, mgmt_kc = impersonator_kubeconfig(cluster)
        apply_text(cluster, MANAGEMENT_RBAC)
        for ns in ("org-acme", "org-beta"):
            cluster.kubectl("create", "namespace", ns, check=False)
        _, ca_b64, host, port = endpoint_of(wl)
        ca_pem = base64.b64decode(ca_b64).decode()
        add_cluster(cluster, "org-acme", "prod", wl_kc, host=host, port=port, ca_pem=ca_pem)
        add_cluster(cluster, "org-beta", "prod", wl_kc, host=host, port=port, ca_pem=ca_pem)
        add_cluster(cluster, "org-beta", "mgmt", mgmt_kc, ready=False)
        _, closed_kc = impersonator_kubeconfig(wl, f"https://127.0.0.1:{closed_port()}")
        add_cluster(cluster, "org-acme", "closed", closed_kc)
        _, silent_kc = impersonator_kubeconfig(wl, f"https://127.0.0.1:{silent.port}")
        add_cluster(cluster, "org-acme", "silent", silent_kc)
        add_cluster(cluster, "org-acme", "nosecret")
        add_cluster(cluster, "org-acme", "garbage", raw=b"clusters: [this is {not a kubeconfig")
        exec_kc = dict(wl_kc, users=[{"name": "mcp", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1", "command": "/bin/sh", "args": ["-c", "exit 1"]}}}])
        add_cluster(cluster, "org-acme", "execplug", exec_kc)
        wl.kubectl("create", "configmap", "only-on-workload", "-n", "team-a", check=False)
        cluster.kubectl("create", "configmap", "only-on-management", "-n", "team-a", check=False)
        server = HttpServer(cluster.kubeconfig, *oauth_flags(env, env.server_ports[4]), "--enable-capi",
                            "--non-destructive=false",
                            "--max-clients-per-ip=100", "--oauth-rate-limit-per-ip=0",
                            env={"WC_GROUP_MAPPINGS": MAPPINGS})
        client = OAuthClient(server, env)
        tokens = {u: client.login(u)["access_token"] for u in ("alice", "bob", "carol")}
        yield dict(server=server, wl=wl, mgmt=cluster, tokens=tokens, wl_token=wl_token, mgmt_token=mgmt_token,
                   env=env, host=host, port=port, ca_pem=ca_pem)
        server.close()
    finally:
        silent.close()
        harness.cluster_down("fedwl")


def tool(fed_or_server, who, tool_name, /, server=None, **arguments):
    """(is_error, text, structured) of one stateless tools/call as `who`."""
    s = server or fed_or_server["server"]
    token = fed_or_server["tokens"][who]
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28",
               "Mcp-Method": "tools/call", "Mcp-Name": tool_name, "Authorization": f"Bearer {token}"}
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    status, _, body = http("POST", s.url, headers=headers,
                           body={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                 "params": {"name": tool_name, "arguments": arguments, "_meta": meta}})
    assert status == 200, (status, body)
    if isinstance(body, str):  # a slow call answers as an SSE stream: its last message is the answer
        messages = [json.loads(line[5:]) for line in body.splitlines() if line.startswith("data:") and line[5:].strip()]
        body = next(m for m in reversed(messages) if "id" in m)
    assert "result" in body, body
    r = body["result"]
    return r.get("isError", False), "\n".join(c["text"] for c in r["content"] if c["type"] == "text"), \
        r.get("structuredContent")


def ok(fed, who, tool_name, /, **arguments):
    failed, text, structured = tool(fed, who, tool_name, **arguments)
    assert not failed, f"{who} {tool_name} {arguments}: {text}"
    return text, structured


def err(fed, who, tool_name, /, **arguments):
    failed, text, _ = tool(fed, who, tool_name, **arguments)
    assert failed, f"{who} {tool_name} {arguments} should have failed: {text[:400]}"
    return text


def audit_events(wl):
    return [json.loads(line) for line in (wl.dir / "audit.log").read_text().splitlines() if line.strip()]


# --- the tools of federation ---------------------------------------------------------------------

def test_tools_list_offers_the_capi_tools_and_the_cluster_parameter(fed):
    status, _, body = http("POST", fed["server"].url, headers={
        "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/list", "Authorization": f"Bearer {fed['tokens']['alice']}"},
        body={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}}}})
    assert status == 200, body
    tools = {t["name"]: t for t in body["result"]["tools"]}
    for name in ("capi_list_clusters", "capi_get_cluster", "capi_resolve_cluster", "capi_cluster_health"):
        assert name in tools and tools[name]["annotations"]["readOnlyHint"] is True
    for name, t in tools.items():
        if name.startswith("k8s_") and name not in ("k8s_list_contexts", "k8s_get_current_context",
                                                    "k8s_switch_context", "k8s_list_port_forwards",
                                                    "k8s_stop_port_forward"):
            assert "cluster" in t["inputSchema"]["properties"], name
    assert "clusters" in tools["k8s_list_resources"]["inputSchema"]["properties"]


def test_list_clusters_as_the_user(fed):
    text, s = ok(fed, "alice", "capi_list_clusters")
    names = {c["cluster"] for c in s["clusters"]}
    assert {"org-acme/prod", "org-beta/prod", "org-beta/mgmt", "org-acme/closed", "org-acme/silent",
            "org-acme/nosecret", "org-acme/garbage", "org-acme/execplug"} <= names, names
    assert "CONTROL-PLANE" in text and "org-acme" in text
    prod = next(c for c in s["clusters"] if c["cluster"] == "org-acme/prod")
    assert prod["status"] == "Ready" and prod["provider"] == "docker" and prod["organization"] == "acme"
    # filters
    _, s = ok(fed, "alice", "capi_list_clusters", readyOnly=True)
    assert "org-beta/mgmt" not in {c["cluster"] for c in s["clusters"]}
    _, s = ok(fed, "alice", "capi_list_clusters", organization="beta")
    assert {c["cluster"] for c in s["clusters"]} == {"org-beta/prod", "org-beta/mgmt"}
    _, s = ok(fed, "alice", "capi_list_clusters", status="provisioning")
    assert {c["cluster"] for c in s["clusters"]} == {"org-beta/mgmt"}
    _, s = ok(fed, "alice", "capi_list_clusters", limit=2)
    assert len(s["clusters"]) == 2 and s["total"] >= 8
    # bob may not list Clusters on the management cluster: its 403, with a hint
    text = err(fed, "bob", "capi_list_clusters")
    assert "forbidden" in text.lower() and "namespace/name" in text, text


def test_resolve_get_and_health(fed):
    text, s = ok(fed, "alice", "capi_resolve_cluster", pattern="silent")
    assert s == {"cluster": "org-acme/silent", "match": "exact", "candidates": []}
    _, s = ok(fed, "alice", "capi_resolve_cluster", pattern="NOSEC")
    assert s["cluster"] == "org-acme/nosecret" and s["match"] == "substring"
    _, s = ok(fed, "alice", "capi_resolve_cluster", pattern="prod")  # the same exact name twice
    assert s["cluster"] is None and set(s["candidates"]) == {"org-acme/prod", "org-beta/prod"}
    assert "no workload cluster" in err(fed, "alice", "capi_resolve_cluster", pattern="nothing-like-it")
    text, s = ok(fed, "alice", "capi_get_cluster", name="org-beta/mgmt")
    assert s["cluster"]["status"] == "Provisioning" and "Available=False" in text
    text, _ = ok(fed, "alice", "capi_cluster_health", name="org-acme/prod")
    assert "status: Ready" in text and "API endpoint: 127.0.0.1:" in text
    text = err(fed, "alice", "capi_get_cluster", name="prod")
    assert "org-acme/prod" in text and "org-beta/prod" in text, text


# --- calls on workload clusters ------------------------------------------------------------------

def test_each_user_gets_exactly_their_rights_in_any_order(fed):
    def alice():
        text, _ = ok(fed, "alice", "k8s_list_resources", resourceType="configmaps", namespace="team-a",
                     cluster="org-acme/prod")
        assert "only-on-workload" in text and "only-on-management" not in text
        text = err(fed, "alice", "k8s_create_resource", cluster="org-acme/prod", manifest=json.dumps(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "by-alice", "namespace": "team-a"}}))
        assert "alice@example.com" in text and "forbidden" in text.lower(), text

    def bob():
        text = err(fed, "bob", "k8s_list_resources", resourceType="configmaps", namespace="team-a",
                   cluster="org-acme/prod")
        # bob may not even read the Cluster on the management cluster
        assert "forbidden" in text.lower(), text

    def carol():
        name = f"by-carol-{time.monotonic_ns()}"
        ok(fed, "carol", "k8s_create_resource", cluster="org-acme/prod", manifest=json.dumps(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "team-a"}}))
        assert fed["wl"].kubectl("get", "configmap", name, "-n", "team-a").returncode == 0
        text = err(fed, "carol", "k8s_list_resources", resourceType="configmaps", namespace="kube-system",
                   cluster="org-acme/prod")
        assert "forbidden" in text.lower(), text

    for step in (alice, bob, carol, alice, carol, bob, alice):
        step()
    # and all at once
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        for f in [pool.submit(s) for s in (alice, bob, carol) * 2]:
            f.result()


def test_the_workload_cluster_sees_exactly_the_impersonated_identity(fed):
    ok(fed, "carol", "k8s_get_resource", resourceType="namespaces", name="team-a", cluster="org-acme/prod")
    alice_sub = None
    ok(fed, "alice", "k8s_get_resource", resourceType="namespaces", name="team-a", cluster="org-acme/prod")
    events = audit_events(fed["wl"])
    sa = f"system:serviceaccount:kube-system:{IMPERSONATOR}"
    by = {}
    for e in events:
        imp = e.get("impersonatedUser")
        if imp and e.get("objectRef", {}).get("name") == "team-a" and e["verb"] == "get":
            assert e["user"]["username"] == sa, e["user"]
            by[imp["username"]] = imp
    assert set(by) == {"alice@example.com", "carol@example.com"}, by.keys()
    alice, carol = by["alice@example.com"], by["carol@example.com"]
    assert set(alice["groups"]) == {"team-view", "system:authenticated"}, alice
    assert set(carol["groups"]) == {"wl-editors", "system:authenticated"}, carol  # mapped
    for imp in (alice, carol):
        assert imp["extra"]["agent"] == ["mcp-kubernetes"]
        assert len(imp["extra"]["sub"]) == 1 and imp["extra"]["sub"][0]
    assert alice["extra"]["sub"] != carol["extra"]["sub"]
    del alice_sub
    # no request of the server reached the workload cluster without impersonation (its token may
    # do nothing else: the API server would have said 403)
    plain = [e for e in events if e["user"]["username"] == sa and not e.get("impersonatedUser")]
    assert not plain, plain[:3]
    status, _ = kube_request(fed["wl"], fed["wl_token"], "GET", "/api/v1/namespaces/team-a/configmaps")
    assert status == 403


def test_names_and_broken_clusters_fail_clearly_and_fast(fed):
    text = err(fed, "alice", "k8s_list_resources", resourceType="pods", cluster="prod")
    assert "ambiguous" in text and "org-acme/prod" in text and "org-beta/prod" in text, text
    ok(fed, "alice", "k8s_list_resources", resourceType="pods", namespace="team-a", cluster="org-beta/prod")
    text = err(fed, "alice", "k8s_list_resources", resourceType="pods", cluster="org-acme/nosuch")
    assert "no such Cluster" in text, text
    text = err(fed, "alice", "k8s_list_resources", resourceType="pods", cluster="nosecret")
    assert "Secret org-acme/nosecret-kubeconfig" in text, text
    text = err(fed, "alice", "k8s_list_resources", resourceType="pods", cluster="garbage")
    assert "Secret org-acme/garbage-kubeconfig" in text and "this is" not in text, text
    text = err(fed, "alice", "k8s_list_resources", resourceType="pods", cluster="execplug")
    assert "exec" in text and "Secret org-acme/execplug-kubeconfig" in text, text
    t0 = time.monotonic()
    text = err(fed, "alice", "k8s_list_resources", resourceType="pods", cluster="closed")
    assert time.monotonic() - t0 < 3, text
    assert "refused" in text.lower() or "connect" in text.lower(), text
    text = err(fed, "alice", "k8s_get_resource", resourceType="pods", name="x", cluster="org-acme/prod",
               context="admin")
    assert "either cluster" in text, text


def test_a_silent_cluster_delays_nobody_else(fed):
    done = {}

    def silent():
        t0 = time.monotonic()
        done["text"] = err(fed, "alice", "k8s_list_resources", resourceType="pods", cluster="org-acme/silent")
        done["took"] = time.monotonic() - t0

    t = threading.Thread(target=silent)
    t.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    ok(fed, "carol", "k8s_list_resources", resourceType="configmaps", namespace="team-a", cluster="org-acme/prod")
    ok(fed, "alice", "k8s_list_resources", resourceType="pods", namespace="team-a", cluster="org-beta/prod")
    others = time.monotonic() - t0
    t.join(30)
    assert others < 2, others
    assert done["took"] < 10, done
    assert "timed out" in done["text"] or "timeout" in done["text"].lower(), done["text"]


def test_a_deleted_cluster_is_unreachable_at_once(fed):
    mgmt = fed["mgmt"]
    _, kc = impersonator_kubeconfig(fed["wl"])
    add_cluster(mgmt, "org-acme", "temp", kc)
    for _ in range(2):  # the second call remembers the name and checks beside the call
        ok(fed, "alice", "k8s_list_resources", resourceType="configmaps", namespace="team-a", cluster="temp")
    mgmt.kubectl("delete", "clusters.cluster.x-k8s.io", "temp", "-n", "org-acme", "--wait=true")
    text = err(fed, "alice", "k8s_list_resources", resourceType="configmaps", namespace="team-a", cluster="temp")
    assert "org-acme/temp: no such Cluster" in text, text
    text = err(fed, "alice", "k8s_list_resources", resourceType="configmaps", namespace="team-a",
               cluster="org-acme/temp")
    assert "no such Cluster" in text, text


def test_fan_out_lists_every_cluster_with_the_dead_ones_as_errors(fed):
    text, s = ok(fed, "alice", "k8s_list_resources", resourceType="configmaps", namespace="team-a", clusters=["*"])
    assert text.splitlines()[0].split()[0] == "CLUSTER", text
    clusters_with_rows = {i["cluster"] for i in s["items"]}
    assert {"org-acme/prod", "org-beta/prod", "org-beta/mgmt"} <= clusters_with_rows, clusters_with_rows
    names = {(i["cluster"], i["name"]) for i in s["items"]}
    assert ("org-acme/prod", "only-on-workload") in names and ("org-beta/mgmt", "only-on-management") in names
    failed = {e["cluster"] for e in s["errors"]}
    assert {"org-acme/closed", "org-acme/silent", "org-acme/nosecret", "org-acme/garbage",
            "org-acme/execplug"} <= failed, s["errors"]
    assert "error in org-acme/closed:" in text
    # a named list, one unknown name among them
    _, s = ok(fed, "alice", "k8s_list_resources", resourceType="configmaps", namespace="team-a",
              clusters=["org-acme/prod", "org-beta/mgmt", "nope"])
    assert {i["cluster"] for i in s["items"]} == {"org-acme/prod", "org-beta/mgmt"}
    assert [e["cluster"] for e in s["errors"]] == ["nope"]
    assert "continue" in err(fed, "alice", "k8s_list_resources", resourceType="configmaps", clusters=["*"],
                             **{"continue": "x"})
    # the operations metric tells management, workload and fan-out calls apart
    import urllib.request
    metrics = urllib.request.urlopen(fed["server"].metrics_url, timeout=10).read().decode()
    assert 'cluster_scope="workload",cluster_type="workload",discovery_mode="fanout"' in metrics, metrics[-3000:]
    assert 'cluster_scope="workload",cluster_type="workload",discovery_mode="single"' in metrics


async def test_the_official_client_in_both_eras(fed, era, anyio_backend):
    async with bearer_client(fed["server"], fed["tokens"]["alice"], era) as c:
        r = await c.call_tool("capi_list_clusters", {"readyOnly": True})
        assert not r.is_error and "org-acme/prod" in {x["cluster"] for x in r.structured_content["clusters"]}
        r = await c.call_tool("k8s_get_resource", {"resourceType": "configmap", "name": "only-on-workload",
                                                    "namespace": "team-a", "cluster": "org-acme/prod"})
        assert not r.is_error, text_of(r)
        r = await c.call_tool("k8s_get_resource", {"resourceType": "configmap", "name": "only-on-workload",
                                                    "namespace": "team-a"})  # the management cluster has none
        assert r.is_error and "not found" in text_of(r)


def test_sso_passthrough_sends_the_users_own_token(fed, tmp_path):
    env = fed["env"]
    s = HttpServer(fed["mgmt"].kubeconfig, *oauth_flags(env, env.server_ports[3]), "--enable-capi",
                   "--capi-mode=sso-passthrough", "--max-clients-per-ip=100", "--oauth-rate-limit-per-ip=0")
    try:
        client = OAuthClient(s, env)
        token = client.login("alice")["access_token"]
        sso = dict(fed, tokens={"alice": token})
        text, _ = ok(sso, "alice", "k8s_list_resources", server=s, resourceType="configmaps", namespace="team-a",
                     cluster="org-acme/prod")
        assert "only-on-workload" in text
        # no kubeconfig Secret needed: nosecret has no CA ConfigMap either, and says which it lacks
        text = err(sso, "alice", "k8s_list_resources", server=s, resourceType="pods", cluster="nosecret")
        assert "ConfigMap org-acme/nosecret-ca-public" in text, text
        events = [e for e in audit_events(fed["wl"]) if e["user"]["username"] == "alice@example.com"]
        assert events, "the workload cluster saw no request as alice herself"
        assert all(not e.get("impersonatedUser") for e in events)
        assert "oidc:team-view" in events[-1]["user"]["groups"]
    finally:
        s.close()
    assert "token" not in s.log.lower() or "Bearer " not in s.log
