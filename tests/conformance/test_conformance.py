"""The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
package.json, on Node 22 from the npm package `node`) against our streamable HTTP server.

Scenarios that apply to a Kubernetes tools server run here and must pass with no warnings. The
others call fixture tools, prompts or resources by exact name (`test_simple_text`, ...) that
a real server does not have; they are listed with the reason in docs/testing.md."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from mcpk_http import HttpServer  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
BIN = HERE / "node_modules" / ".bin"

SCENARIOS = ["server-initialize", "ping", "tools-list", "logging-set-level", "dns-rebinding-protection",
             "server-sse-polling", "server-sse-multiple-streams"]


@pytest.fixture(scope="module")
def server(cluster):
    if not (BIN / "conformance").exists():
        pytest.fail("conformance suite not installed: run scripts/install-deps test")
    s = HttpServer(cluster.kubeconfig)
    yield s
    s.close()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(server, scenario):
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    p = subprocess.run([str(BIN / "conformance"), "server", "--url", server.url, "--scenario", scenario],
                       capture_output=True, text=True, timeout=120, env=env, cwd=HERE)
    out = re.sub(r"\x1b\[[0-9;]*m", "", p.stdout + p.stderr)
    m = re.search(r"Passed: (\d+)/(\d+), (\d+) failed, (\d+) warnings", out)
    assert m, out[-2000:]
    passed, total, failed, warnings = map(int, m.groups())
    assert failed == 0 and warnings == 0 and passed == total, out[-2000:]
