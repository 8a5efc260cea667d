"""The mcp-kubernetes binary as a streamable HTTP server for tests (shared by tests/e2e and
tests/conformance)."""
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("MCPK_BIN", str(ROOT / "build" / "src" / "app" / "mcp-kubernetes"))


class HttpServer:
    """The server with --transport=streamable-http on a free loopback port."""

    def __init__(self, kubeconfig, *flags, env=None):
        import re
        self.metrics_url = None
        e = {"KUBECONFIG": kubeconfig, "HOME": os.environ.get("HOME", "/root"), "PATH": os.environ.get("PATH", "")}
        e.update(env or {})
        if not any(f.startswith(("--metrics-addr", "--metrics-enabled")) for f in flags):
            flags = ("--metrics-addr=127.0.0.1:0", *flags)  # a free port: servers run side by side
        if not any(f.startswith("--http-addr") for f in flags):
            flags = ("--http-addr=127.0.0.1:0", *flags)
        self.p = subprocess.Popen([BIN, "serve", "--transport=streamable-http", *flags],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env=e, text=True)
        import threading
        self.log = ""
        while True:
            line = self.p.stderr.readline()  # the server prints its address or exits
            if not line:
                raise RuntimeError(f"HTTP server did not start: {self.log}")
            self.log += line
            mm = re.search(r"Prometheus metrics on [\d.]+:(\d+)/metrics", line)
            if mm:
                self.metrics_url = f"http://127.0.0.1:{mm.group(1)}/metrics"
            m = re.search(r"streamable HTTPS? on [\d.]+:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break

        def drain():  # keep reading stderr so the server never blocks on a full pipe
            for rest in self.p.stderr:
                self.log += rest
        threading.Thread(target=drain, daemon=True).start()
        scheme = "https" if "streamable HTTPS on" in self.log else "http"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.url = self.base + "/mcp"

    def close(self):
        self.p.terminate()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
        return self.p.returncode


