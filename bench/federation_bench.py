"""Federation cost benchmark (not a test): the figures of docs/performance.md "Cluster API federation".

Needs Dex and a management cluster that trusts it, as `make test` starts them:
    env=$(tests/oauth/dex-up --name bench)
    kc=$(tests/cluster/up --name bench --authentication-config "$(sed -n 's/^MCPK_OAUTH_AUTHN_CONFIG=//p' $env)")
    kubectl --kubeconfig "$kc" --context admin apply -f tests/oauth/rbac.yaml
    .venv/bin/python bench/federation_bench.py --kubeconfig "$kc" --oauth-env "$env"

It starts a workload cluster of its own (tests/cluster/up --name fedbench), registers it as the
Cluster org-acme/prod (tests/e2e/test_federation.py's fixtures: the real CRD, a kubeconfig
Secret whose token may only impersonate), starts the server with --enable-capi and logs alice
in through Dex. Then, on one keep-alive connection, sequentially, it times `k8s_get_resource`
of one ConfigMap: on the management cluster (no `cluster`), and on the workload cluster by
`namespace/name` and by bare name, each after a warm-up (the client cache and the name warm);
and the first (cold) call of a fresh user identity to the workload cluster.
"""
import argparse
import http.client
import json
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from mcpk_http import HttpServer  # noqa: E402
import oauth_support  # noqa: E402
from test_oauth import OAuthClient, oauth_flags  # noqa: E402
import test_federation as fed  # noqa: E402

META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


def call(conn, token, arguments):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "k8s_get_resource", "arguments": arguments, "_meta": META}})
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "k8s_get_resource",
               "Authorization": f"Bearer {token}"}
    t = time.perf_counter()
    conn.request("POST", "/mcp", body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    took = time.perf_counter() - t
    answer = json.loads(data)
    assert r.status == 200 and not answer["result"].get("isError"), data[:500]
    return took


def series(conn, token, arguments, n, warmup=20):
    for _ in range(warmup):
        call(conn, token, arguments)
    return sorted(call(conn, token, arguments) for _ in range(n))


def fmt(samples):
    p50 = statistics.median(samples)
    p90 = samples[int(len(samples) * 0.9)]
    return f"p50 {p50 * 1e6:7.0f} µs   p90 {p90 * 1e6:7.0f} µs", p50


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--oauth-env", required=True)
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    env = oauth_support.load_env(a.oauth_env)
    harness = fed._harness()
    mgmt = harness.Cluster("bench", a.kubeconfig)
    crd = (pathlib.Path.home() / ".cache/mcp-kubernetes/testbins" / f"capi-{harness._versions()['CAPI_VERSION']}" /
           "cluster.x-k8s.io_clusters.yaml")
    mgmt.kubectl("apply", "--server-side", "-f", str(crd))
    mgmt.kubectl("wait", "--for=condition=Established", "crd/clusters.cluster.x-k8s.io", "--timeout=60s")
    wl = harness.cluster_up("fedbench", "--no-build")
    server = None
    try:
        _, wl_kc = fed.impersonator_kubeconfig(wl)
        fed.apply_text(mgmt, fed.MANAGEMENT_RBAC)
        mgmt.kubectl("create", "namespace", "org-acme", check=False)
        fed.add_cluster(mgmt, "org-acme", "prod", wl_kc)
        for c in (mgmt, wl):
            c.kubectl("create", "configmap", "bench", "-n", "team-a", "--from-literal=k=v", check=False)
        server = HttpServer(a.kubeconfig, *oauth_flags(env, env.server_ports[4]), "--enable-capi",
                            "--max-clients-per-ip=100", "--oauth-rate-limit-per-ip=0",
                            "--oauth-rate-limit-per-user=0", "--qps-limit=100000", "--burst-limit=100000")
        client = OAuthClient(server, env)
        token = client.login("alice")["access_token"]
        conn = http.client.HTTPConnection("127.0.0.1", server.port)
        base = {"resourceType": "configmaps", "name": "bench", "namespace": "team-a"}
        cold_token = client.login("carol")["access_token"]
        cold = call(conn, cold_token, dict(base, cluster="org-acme/prod"))
        print(f"cold: first workload call of a new user (Secret read, client made): {cold * 1e6:.0f} µs")
        for r in range(a.rounds):
            m_text, m = fmt(series(conn, token, base, a.calls))
            q_text, q = fmt(series(conn, token, dict(base, cluster="org-acme/prod"), a.calls))
            b_text, b = fmt(series(conn, token, dict(base, cluster="prod"), a.calls))
            print(f"round {r + 1}: management      {m_text}")
            print(f"round {r + 1}: workload ns/name {q_text}   ratio {q / m:.2f}")
            print(f"round {r + 1}: workload bare    {b_text}   ratio {b / m:.2f}")
    finally:
        if server:
            server.close()
        harness.cluster_down("fedbench")


if __name__ == "__main__":
    main()
