"""Fixtures for end-to-end tests: the real mcp-kubernetes binary, driven over stdio by the
official MCP Python SDK client, against the real test cluster (tests/conftest.py).

Every test that takes `mcp` runs twice: once in the session era (initialize handshake,
2025-11-25) and once in the stateless 2026-07-28 era."""
import contextlib
import json
import os
import pathlib
import subprocess

import inspect

import pytest
from mcp import Client, StdioServerParameters

import sys  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from mcpk_http import BIN, HttpServer  # noqa: E402,F401

ERAS = {"legacy": "legacy", "modern": "2026-07-28"}


def server_params(kubeconfig, *flags, env=None):
    e = {"KUBECONFIG": kubeconfig, "HOME": os.environ.get("HOME", "/root"), "PATH": os.environ.get("PATH", "")}
    e.update(env or {})
    return StdioServerParameters(command=BIN, args=["serve", *flags], env=e)


@contextlib.asynccontextmanager
async def connect(kubeconfig, *flags, era="legacy", env=None, transport="stdio", **client_kwargs):
    if transport == "stdio":
        async with Client(server_params(kubeconfig, *flags, env=env), mode=ERAS[era], **client_kwargs) as client:
            yield client
        return
    server = HttpServer(kubeconfig, *flags, env=env)
    try:
        async with Client(server.url, mode=ERAS[era], **client_kwargs) as client:
            yield client
    finally:
        server.close()


@contextlib.contextmanager
def started(factory):
    """A start(*flags) function for tests that run their own servers; all are closed at the end."""
    servers = []

    def start(*flags, **kw):
        s = factory(*flags, **kw)
        servers.append(s)
        return s
    try:
        yield start
    finally:
        for s in servers:
            s.close()


@pytest.fixture(params=list(ERAS), ids=list(ERAS))
def era(request):
    return request.param


@pytest.fixture(params=["stdio", "http"], ids=["stdio", "http"])
def transport(request):
    return request.param


@pytest.fixture
def anyio_backend():
    return "asyncio"


def pytest_collection_modifyitems(items):
    # Every coroutine test runs under anyio's plugin (the MCP SDK is anyio-based; its fixtures
    # must enter and exit in the same task).
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.anyio)


@pytest.fixture
async def mcp(cluster, era, transport, anyio_backend):
    async with connect(cluster.kubeconfig, era=era, transport=transport) as client:
        yield client


def text_of(result):
    """The text blocks of a CallToolResult, joined."""
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def call(client, tool, **arguments):
    return await client.call_tool(tool, arguments)


async def call_ok(client, tool, **arguments):
    r = await client.call_tool(tool, arguments)
    assert not r.is_error, f"{tool} {arguments} failed: {text_of(r)}"
    return r


async def call_err(client, tool, **arguments):
    r = await client.call_tool(tool, arguments)
    assert r.is_error, f"{tool} {arguments} should have failed but gave: {text_of(r)[:500]}"
    return text_of(r)


def apply(cluster, manifest, context="admin"):
    cluster.kubectl("apply", "-f", "-", input=manifest if isinstance(manifest, str) else json.dumps(manifest),
                    context=context)


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


from fixtures import objects  # noqa: E402,F401  (session fixture shared by the modules)
from oauth_support import oauth_env, oauth_rbac  # noqa: E402,F401  (Dex of the OAuth tests; skip without it)
