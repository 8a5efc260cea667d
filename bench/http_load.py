"""Load benchmark for the streamable HTTP transport (not a test).

N concurrent MCP sessions on loopback, each on its own keep-alive connection, calling
k8s_get_resource back to back for a fixed time. Reports throughput, p50/p99 latency, errors
and the server's RSS. The client is plain asyncio HTTP/1.1, so that it costs as little CPU
as possible on the same 2 cores.

    .venv/bin/python bench/http_load.py --kubeconfig KC --sessions 100 --seconds 20
"""
import argparse
import asyncio
import json
import pathlib
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


async def session(port, stop_at, latencies, errors):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        status, headers, _ = await exchange(reader, writer, port, INIT)
        if status != 200:
            errors.append(f"initialize {status}")
            return
        sid = headers["mcp-session-id"]
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            status, _, body = await exchange(reader, writer, port, CALL, sid)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != 200 or json.loads(body)["result"]["isError"]:
                errors.append(f"{status} {body[:100]!r}")
    except Exception as e:  # noqa: BLE001 - every failure counts
        errors.append(repr(e)[:100])
    finally:
        writer.close()


async def run(port, sessions, seconds):
    latencies, errors = [], []
    stop_at = time.monotonic() + seconds
    await asyncio.gather(*(session(port, stop_at, latencies, errors) for _ in range(sessions)))
    return latencies, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--sessions", type=int, nargs="+", default=[100, 500])
    ap.add_argument("--seconds", type=int, default=20)
    a = ap.parse_args()
    for n in a.sessions:
        server = HttpServer(a.kubeconfig, "--qps-limit=100000", "--burst-limit=100000")
        try:
            idle = rss_mb(server.p.pid)
            t0 = time.monotonic()
            latencies, errors = asyncio.run(run(server.port, n, a.seconds))
            elapsed = time.monotonic() - t0
            q = statistics.quantiles(latencies, n=100)
            print(f"{n} sessions, {a.seconds} s: {len(latencies)} calls, {len(latencies) / elapsed:.0f} calls/s, "
                  f"p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, errors {len(errors)}, "
                  f"server RSS idle {idle:.1f} MB, under load {rss_mb(server.p.pid):.1f} MB")
            if errors:
                print("  first errors:", errors[:3])
        finally:
            server.close()


if __name__ == "__main__":
    main()
