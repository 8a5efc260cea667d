"""OAuth cost benchmark (not a test): the figures of docs/performance.md "OAuth 2.1".

Needs Dex and a cluster that trusts it, as `make test` starts them:
    env=$(tests/oauth/dex-up --name bench)
    kc=$(tests/cluster/up --name bench --authentication-config "$(sed -n 's/^MCPK_OAUTH_AUTHN_CONFIG=//p' $env)")
    kubectl --kubeconfig "$kc" apply -f tests/oauth/rbac.yaml
    .venv/bin/python bench/oauth_bench.py --kubeconfig "$kc" --oauth-env "$env"

Measures, on one keep-alive connection, sequentially:
- the login round trip: /oauth/authorize → consent → Dex's login form → /oauth/callback →
  the code, then the token exchange (what a user waits for, minus typing);
- the token check per request: stateless `tools/list` (no Kubernetes call) with a Bearer
  against OAuth on (memory store and redis-server) versus the same request without OAuth;
- RSS after 1,000 refresh grants (1,000 live access and refresh tokens, 1,000 used ones).
"""
import argparse
import http.client
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from mcpk_http import HttpServer  # noqa: E402
import oauth_support  # noqa: E402
from test_oauth import OAuthClient, oauth_flags  # noqa: E402

META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
BODY = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}})


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return -1


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request_latencies(server, token, n):
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    out = []
    for _ in range(n):
        t = time.perf_counter()
        conn.request("POST", "/mcp", BODY, headers)
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        out.append((time.perf_counter() - t) * 1e6)
    conn.close()
    return out


def summary(xs):
    xs = sorted(xs)
    return statistics.median(xs), xs[int(len(xs) * 0.99)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--oauth-env", required=True)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--logins", type=int, default=20)
    ap.add_argument("--tokens", type=int, default=1000)
    a = ap.parse_args()
    env = oauth_support.load_env(a.oauth_env)

    redis_dir = tempfile.mkdtemp()
    redis_port = free_port()
    redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(redis_port), "--save", "", "--appendonly",
                              "no", "--dir", redis_dir], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    configs = {
        "no OAuth": None,
        "OAuth, memory store": ("--max-clients-per-ip=1000", "--oauth-rate-limit-per-ip=0",
                                "--oauth-rate-limit-per-user=1000000"),
        "OAuth, redis-server": ("--max-clients-per-ip=1000", "--oauth-rate-limit-per-ip=0",
                                "--oauth-rate-limit-per-user=1000000", "--oauth-storage-type=valkey",
                                f"--valkey-url=redis://127.0.0.1:{redis_port}", f"--oauth-encryption-key={key}"),
    }
    try:
        for name, extra in configs.items():
            if extra is None:
                s = HttpServer(a.kubeconfig, "--metrics-enabled=false")
                token = None
            else:
                s = HttpServer(a.kubeconfig, "--metrics-enabled=false", *oauth_flags(env, env.server_ports[0]), *extra)
            try:
                idle = rss_mb(s.p.pid)
                if extra is not None:
                    client = OAuthClient(s, env)
                    logins = []
                    for _ in range(a.logins):
                        t = time.perf_counter()
                        tokens = client.login("alice")
                        logins.append((time.perf_counter() - t) * 1e3)
                    token = tokens["access_token"]
                    print(f"{name}: login round trip p50 {statistics.median(logins):.1f} ms "
                          f"(min {min(logins):.1f}, max {max(logins):.1f}; {a.logins} logins, Dex included)")
                request_latencies(s, token, 200)  # warm-up
                cpu = cpu_seconds(s.p.pid)
                p50, p99 = summary(request_latencies(s, token, a.requests))
                cpu = (cpu_seconds(s.p.pid) - cpu) / a.requests * 1e6
                print(f"{name}: tools/list p50 {p50:.0f} µs p99 {p99:.0f} µs, server CPU {cpu:.0f} µs per request "
                      f"({a.requests} requests); idle RSS {idle:.1f} MB")
                if extra is not None:
                    before = rss_mb(s.p.pid)
                    rt = tokens["refresh_token"]
                    for _ in range(a.tokens):
                        status, _, body = client.refresh(rt)
                        assert status == 200, body
                        rt = body["refresh_token"]
                    after = rss_mb(s.p.pid)
                    print(f"{name}: RSS {before:.1f} MB → {after:.1f} MB after {a.tokens} refresh grants")
            finally:
                s.close()
    finally:
        redis.terminate()
        shutil.rmtree(redis_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
