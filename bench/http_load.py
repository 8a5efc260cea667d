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


async def exchange(reader, writer, port, body, session_id=None):
    data = json.dumps(body).encode()
    head = (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nContent-Length: {len(data)}\r\n")
    if session_id:
        head += f"Mcp-Session-Id: {session_id}\r\nMCP-Protocol-Version: 2025-11-25\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    status_line = await reader.readline()
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        k, _, v = line.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
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


async def session(port, ready, go, stop_at, rate, latencies, errors):
    """One MCP session; stop_at[0] is set when every session is open."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        status, headers, _ = await exchange(reader, writer, port, INIT)
        if status != 200:
            errors.append(f"initialize {status}")
            return
        sid = headers["mcp-session-id"]
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
            status, _, body = await exchange(reader, writer, port, CALL, sid)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != 200 or json.loads(body)["result"]["isError"]:
                errors.append(f"{status} {body[:100]!r}")
    except Exception as e:  # noqa: BLE001 - every failure counts
        errors.append(repr(e)[:100])
    finally:
        writer.close()


async def run(port, sessions, seconds, rate, on_start):
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

    await asyncio.gather(*(session(port, ready, go, stop, rate, latencies, errors) for _ in range(sessions)))
    return latencies, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--sessions", type=int, nargs="+", default=[100, 500])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--rate", type=float, default=0, help="calls per second per session (0: back to back)")
    a = ap.parse_args()
    for n in a.sessions:
        server = HttpServer(a.kubeconfig, "--qps-limit=100000", "--burst-limit=100000")
        try:
            idle = rss_mb(server.p.pid)
            procs = {"mcp-kubernetes": [server.p.pid], "kube-apiserver": pids_named("kube-apiserver"),
                     "etcd": pids_named("etcd"), "client": [os.getpid()]}
            before, t0 = {}, [0.0]

            def on_start():
                t0[0] = time.monotonic()
                before.update({k: sum(cpu_seconds(p) for p in v) for k, v in procs.items()})
            latencies, errors = asyncio.run(run(server.port, n, a.seconds, a.rate, on_start))
            elapsed = time.monotonic() - t0[0]
            cpu = {k: sum(cpu_seconds(p) for p in v) - before[k] for k, v in procs.items()}
            q = statistics.quantiles(latencies, n=100)
            mode = f"{a.rate:g}/s per session" if a.rate else "back to back"
            print(f"{n} sessions, {mode}, {a.seconds} s: {len(latencies)} calls, {len(latencies) / elapsed:.0f} calls/s, "
                  f"p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, max {max(latencies):.1f} ms, errors {len(errors)}, "
                  f"server RSS idle {idle:.1f} MB, under load {rss_mb(server.p.pid):.1f} MB")
            calls = max(1, len(latencies))
            print("  CPU per call: " + ", ".join(f"{k} {v / calls * 1e6:.0f} µs" for k, v in cpu.items()) +
                  f" (cores busy: {sum(cpu.values()) / elapsed:.2f} of {os.cpu_count()})")
            if errors:
                print("  first errors:", errors[:3])
        finally:
            server.close()


if __name__ == "__main__":
    main()
