"""The OTLP/HTTP receiver of the observability tests (tests/otlp/receiver, built on the
OpenTelemetry Collector's pdata module and cached by tests/cluster/build), seen from pytest:
it decodes every export as a collector does, refuses malformed ones (and zero ids, unknown
enums, inconsistent histograms) with 400, and appends one JSON line per span or metric data
point to a file the tests read."""
import json
import os
import pathlib
import re
import subprocess
import time

import pytest


def receiver_path():
    """Built and cached by tests/cluster/build (otlp)."""
    versions = pathlib.Path(__file__).resolve().parent / "cluster" / "versions.env"
    pdata = re.search(r"^OTLP_PDATA_VERSION=(\S+)", versions.read_text(), re.M).group(1)
    cache = os.environ.get("MCPK_TESTBIN_CACHE", os.path.expanduser("~/.cache/mcp-kubernetes/testbins"))
    return pathlib.Path(cache) / f"otlp-receiver-{pdata}" / "otlp-receiver"


class Receiver:
    def __init__(self, tmp_path):
        self.out = tmp_path / "otlp.jsonl"
        port_file = tmp_path / "otlp.port"
        with open(tmp_path / "otlp-receiver.log", "w") as log:
            self.p = subprocess.Popen([str(receiver_path()), f"--out={self.out}", f"--port-file={port_file}"],
                                      stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.time() + 10
        while not port_file.exists():
            assert self.p.poll() is None and time.time() < deadline, "the OTLP receiver did not start"
            time.sleep(0.02)
        self.endpoint = f"http://127.0.0.1:{port_file.read_text()}"

    def records(self):
        if not self.out.exists():
            return []
        return [json.loads(line) for line in self.out.read_text().splitlines() if line]

    def refused(self):
        return [r for r in self.records() if r["signal"] == "refused"]

    def spans(self, trace=None):
        assert not self.refused(), f"the receiver refused an export: {self.refused()}"
        return [r for r in self.records() if r["signal"] == "span" and (trace is None or r["traceId"] == trace)]

    def wait(self, predicate, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            spans = self.spans()
            if predicate(spans):
                return spans
            time.sleep(0.05)
        raise AssertionError(f"spans never matched; got {[s['name'] for s in self.spans()]}")

    def points(self, name=None):
        """Metric data points (of `name`), oldest first."""
        assert not self.refused(), f"the receiver refused an export: {self.refused()}"
        return [r for r in self.records() if r["signal"] == "metric" and (name is None or r["name"] == name)]

    def close(self):
        self.p.kill()
        self.p.wait()


@pytest.fixture
def receiver(tmp_path):
    r = Receiver(tmp_path)
    yield r
    r.close()
