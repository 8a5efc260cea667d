"""Load benchmark for the streamable HTTP transport (not a test).

N concurrent MCP sessions on loopback, each on its own keep-alive connection, calling
k8s_get_resource for a fixed time. Reports throughput, p50/p99 latency, errors, the server's
RSS, and the CPU time each process spent (our server, kube-apiserver, etcd, this client).
The client is plain asyncio HTTP/1.1, so that it costs as little CPU as possible on the same
2 cores.

Two modes:
- closed loop (default): every session calls back to back, so the machine saturates and the
  latency is queueing (sessions / throughput);
- paced (--rate R): every session calls R times a second on a fixed schedule (an open loop).
  Latency is measured from the scheduled time, so a server that falls behind is charged for
  the wait (no coordinated omission).

    .venv/bin/python bench/http_load.py --kubeconfig KC --sessions 100 500 --seconds 20 [--rate 1]
"""
import argparse
import asyncio
import json
import os
import pathlib
import random
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))
from mcpk_http import HttpServer  # noqa: E402

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "load", "version": "1"}}}
CALL = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "k8s_get_resource",
                   "arguments": {"resourceType": "services", "name": "kubernetes", "namespace": "default"}}}


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return -1


async def exchange(reader, writer, host, body, session_id=None, method="POST", target="/mcp", auth=None):
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
    if data:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    if session_id:
        head += f"Mcp-Session-Id: {session_id}\r\nMCP-Protocol-Version: 2025-11-25\r\n"
    if auth:
        head += f"Authorization: {auth}\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    status_line = await reader.readline()
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        k, _, v = line.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while (size := int((await reader.readline()).strip(), 16)) > 0:
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readline()
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers, body


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def pids_named(name):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/comm") as f:
                    if f.read().strip() == name:
                        out.append(int(d))
            except OSError:
                pass
    return out


class McpTarget:
    """k8s_get_resource through our server, one MCP session per connection."""

    def __init__(self, port):
        self.port, self.host = port, f"127.0.0.1:{port}"

    async def open(self):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        status, headers, _ = await exchange(reader, writer, self.host, INIT)
        if status != 200:
            raise RuntimeError(f"initialize {status}")
        sid = headers["mcp-session-id"]

        async def call():
            status, _, body = await exchange(reader, writer, self.host, CALL, sid)
            if status != 200 or json.loads(body)["result"]["isError"]:
                raise RuntimeError(f"{status} {body[:100]!r}")
        return writer, call


class RawTarget:
    """The same GET sent straight to the API server (TLS, the kubeconfig's admin credentials):
    the round trip every tool call contains, under the same load."""

    def __init__(self, kubeconfig, tmpdir):
        import base64
        import ssl
        import urllib.parse
        import yaml
        cfg = yaml.safe_load(open(kubeconfig))
        ctx_name = cfg["current-context"]
        ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"]) or {}
        url = urllib.parse.urlparse(cluster["server"])
        self.addr, self.port, self.host = url.hostname, url.port or 443, url.netloc
        self.ssl = ssl.create_default_context()
        if "certificate-authority-data" in cluster:
            self.ssl.load_verify_locations(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        elif "certificate-authority" in cluster:
            self.ssl.load_verify_locations(cluster["certificate-authority"])
        self.auth = f"Bearer {user['token']}" if "token" in user else None
        if "client-certificate-data" in user:
            cert, key = pathlib.Path(tmpdir, "c.crt"), pathlib.Path(tmpdir, "c.key")
            cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
            key.write_bytes(base64.b64decode(user["client-key-data"]))
            self.ssl.load_cert_chain(cert, key)
        args = CALL["params"]["arguments"]
        self.target = f"/api/v1/namespaces/{args['namespace']}/{args['resourceType']}/{args['name']}"

    async def open(self):
        reader, writer = await asyncio.open_connection(self.addr, self.port, ssl=self.ssl)

        async def call():
            status, _, body = await exchange(reader, writer, self.host, None, method="GET", target=self.target,
                                             auth=self.auth)
            if status != 200:
                raise RuntimeError(f"{status} {body[:100]!r}")
        return writer, call


async def session(target, ready, go, stop_at, rate, latencies, errors):
    """One connection (an MCP session for McpTarget); stop_at[0] is set when all are open."""
    writer = None
    try:
        writer, call = await target.open()
        ready()
        await go.wait()
        interval = 1 / rate if rate else 0
        due = time.perf_counter() + random.uniform(0, interval)
        while time.monotonic() < stop_at[0]:
            if interval:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                t0 = due
                due += interval
            else:
                t0 = time.perf_counter()
            try:
                await call()
            except RuntimeError as e:
                errors.append(str(e))
            latencies.append((time.perf_counter() - t0) * 1000)
    except Exception as e:  # noqa: BLE001 - every failure counts
        errors.append(repr(e)[:100])
        ready()
    finally:
        if writer:
            writer.close()


async def run(target, sessions, seconds, rate, on_start):
    latencies, errors = [], []
    go = asyncio.Event()
    pending = [sessions]
    stop = [0.0]

    def ready():  # every session is open: start the clock together
        pending[0] -= 1
        if pending[0] == 0:
            on_start()
            stop[0] = time.monotonic() + seconds
            go.set()

    await asyncio.gather(*(session(target, ready, go, stop, rate, latencies, errors) for _ in range(sessions)))
    return latencies, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--sessions", type=int, nargs="+", default=[100, 500])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--rate", type=float, default=0, help="calls per second per session (0: back to back)")
    ap.add_argument("--raw", action="store_true", help="also run the same load straight against the API server")
    a = ap.parse_args()
    for n in a.sessions:
        if a.raw:
            import tempfile
            with tempfile.TemporaryDirectory() as tmp:
                report(f"raw API GET, {n} connections", RawTarget(a.kubeconfig, tmp), None, n, a)
        server = HttpServer(a.kubeconfig, "--qps-limit=100000", "--burst-limit=100000")
        try:
            report(f"k8s_get_resource, {n} sessions", McpTarget(server.port), server.p.pid, n, a)
        finally:
            server.close()


def report(title, target, server_pid, n, a):
    idle = rss_mb(server_pid) if server_pid else 0
    procs = {"kube-apiserver": pids_named("kube-apiserver"), "etcd": pids_named("etcd"), "client": [os.getpid()]}
    if server_pid:
        procs = {"mcp-kubernetes": [server_pid], **procs}
    before, t0 = {}, [0.0]

    def on_start():
        t0[0] = time.monotonic()
        before.update({k: sum(cpu_seconds(p) for p in v) for k, v in procs.items()})
    latencies, errors = asyncio.run(run(target, n, a.seconds, a.rate, on_start))
    elapsed = time.monotonic() - t0[0]
    cpu = {k: sum(cpu_seconds(p) for p in v) - before[k] for k, v in procs.items()}
    q = statistics.quantiles(latencies, n=100)
    mode = f"{a.rate:g}/s per session" if a.rate else "back to back"
    rss = f", server RSS idle {idle:.1f} MB, under load {rss_mb(server_pid):.1f} MB" if server_pid else ""
    print(f"{title}, {mode}, {a.seconds} s: {len(latencies)} calls, {len(latencies) / elapsed:.0f} calls/s, "
          f"p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, max {max(latencies):.1f} ms, errors {len(errors)}{rss}")
    calls = max(1, len(latencies))
    print("  CPU per call: " + ", ".join(f"{k} {v / calls * 1e6:.0f} µs" for k, v in cpu.items()) +
          f" (cores busy: {sum(cpu.values()) / elapsed:.2f} of {os.cpu_count()})")
    if errors:
        print("  first errors:", errors[:3])


if __name__ == "__main__":
    main()
