"""Shared fixtures: the test cluster every integration test runs against.

`make test` starts the cluster once (tests/cluster/up --name e2e) and passes its kubeconfig
in MCPK_TEST_KUBECONFIG; run alone, pytest starts (and afterwards stops) the cluster itself.
"""
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLUSTER_SCRIPTS = ROOT / "tests" / "cluster"


def _versions() -> dict:
    pairs = (line.split("=", 1) for line in (CLUSTER_SCRIPTS / "versions.env").read_text().splitlines()
             if "=" in line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def kubectl_path() -> str:
    """kubectl built with the cluster binaries if there is one, else the machine's own."""
    cache = os.environ.get("MCPK_TESTBIN_CACHE", os.path.expanduser("~/.cache/mcp-kubernetes/testbins"))
    built = pathlib.Path(cache) / f"k8s-{_versions()['K8S_VERSION']}" / "kubectl"
    return str(built) if built.exists() else (shutil.which("kubectl") or "kubectl")


class Cluster:
    """A running test cluster: its kubeconfig and a kubectl bound to it."""

    def __init__(self, name: str, kubeconfig: str):
        self.name = name
        self.kubeconfig = kubeconfig
        self.dir = pathlib.Path(kubeconfig).parent

    def kubectl(self, *args, context="admin", check=True, timeout=60, input=None):
        cmd = [kubectl_path(), f"--kubeconfig={self.kubeconfig}", f"--context={context}", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc


def cluster_up(name: str, *extra: str) -> Cluster:
    out = subprocess.run([str(CLUSTER_SCRIPTS / "up"), "--name", name, *extra],
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"tests/cluster/up --name {name} failed:\n{out.stderr}")
    return Cluster(name, out.stdout.strip().splitlines()[-1])


def cluster_down(name: str) -> None:
    subprocess.run([str(CLUSTER_SCRIPTS / "down"), "--name", name], check=True, timeout=120)


@pytest.fixture(scope="session")
def cluster():
    given = os.environ.get("MCPK_TEST_KUBECONFIG")
    if given:
        yield Cluster(os.environ.get("MCPK_TEST_CLUSTER", "e2e"), given)
        return
    c = cluster_up("e2e")
    try:
        yield c
    finally:
        cluster_down("e2e")
