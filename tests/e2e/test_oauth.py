"""OAuth 2.1 end to end, against the real parts: our server as the authorization server of MCP
clients and an OIDC client of Dex (tests/oauth/dex-up), the test cluster's API server trusting
Dex's ID tokens, Debian's redis-server for replicas, and the official Python SDK's OAuth client
driven headlessly through the real login (oauth_support.follow_login).

Downstream OAuth is on: every Kubernetes request of a call is made with the caller's own ID
token, never with the kubeconfig's admin credentials — alice (view) may list, bob (no RBAC) is
refused by the API server."""
import base64
import hashlib
import json
import pathlib
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import anyio
import httpx2
import pytest
import yaml
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from conftest import ERAS, HttpServer, text_of

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from oauth_support import dex_password_grant, follow_login  # noqa: E402

REDIRECT = "http://127.0.0.1:8976/callback"  # the MCP client's (never connected to: follow_login stops there)


def oauth_flags(env, port, *extra):
    return (f"--http-addr=127.0.0.1:{port}", "--enable-oauth", f"--oauth-base-url=http://127.0.0.1:{port}",
            f"--dex-issuer-url={env.issuer}", f"--dex-client-id={env.client_id}",
            f"--dex-client-secret-file={env['DEX_CLIENT_SECRET_FILE']}", f"--dex-ca-file={env.ca_file}",
            f"--dex-connector-id={env['DEX_CONNECTOR_ID']}", "--allow-private-oauth-urls", "--downstream-oauth",
            f"--dex-k8s-authenticator-client-id={env['DEX_K8S_CLIENT_ID']}", "--allow-public-registration", *extra)


def http(method, url, *, form=None, body=None, headers=None, raw=None):
    """(status, headers, parsed JSON or text) without following redirects."""
    h = dict(headers or {})
    data = raw
    if form is not None:
        data, h["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    elif body is not None:
        data, h["Content-Type"] = json.dumps(body).encode(), "application/json"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(urllib.request.Request(url, data=data, method=method, headers=h), timeout=30) as r:
            status, hdrs, text = r.status, r.headers, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, e.headers, e.read().decode(errors="replace")
    try:
        return status, hdrs, json.loads(text)
    except ValueError:
        return status, hdrs, text


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class OAuthClient:
    """A registered public client of one of our servers, speaking plain OAuth."""

    def __init__(self, server, env, redirect=REDIRECT, **metadata):
        self.base, self.env, self.redirect = server.base, env, redirect
        status, _, body = http("POST", self.base + "/oauth/register",
                               body={"redirect_uris": [redirect], "client_name": "e2e", "token_endpoint_auth_method": "none",
                                     **metadata})
        assert status == 201, body
        self.id = body["client_id"]

    def authorize_url(self, challenge, state="st-1", **over):
        q = {"response_type": "code", "client_id": self.id, "redirect_uri": self.redirect, "state": state,
             "code_challenge": challenge, "code_challenge_method": "S256", "scope": "mcp",
             "resource": self.base + "/mcp", **over}
        return self.base + "/oauth/authorize?" + urllib.parse.urlencode({k: v for k, v in q.items() if v is not None})

    def code(self, user, **over):
        verifier, challenge = pkce()
        q = follow_login(self.authorize_url(challenge, **over), user, env=self.env)
        assert "code" in q, q
        assert q["iss"] == self.base and q["state"] == over.get("state", "st-1")
        return q["code"], verifier

    def token(self, **fields):
        return http("POST", self.base + "/oauth/token", form={"client_id": self.id, **fields})

    def exchange(self, code, verifier, **over):
        return self.token(**{"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                             "redirect_uri": self.redirect, "resource": self.base + "/mcp", **over})

    def login(self, user):
        status, headers, body = self.exchange(*self.code(user))
        assert status == 200, body
        assert headers["Cache-Control"] == "no-store"
        return body

    def refresh(self, refresh_token):
        return self.token(grant_type="refresh_token", refresh_token=refresh_token)


def mcp_post(server, token, method="tools/list", params=None):
    """One stateless (2026-07-28) MCP request with a Bearer token: (status, headers, body)."""
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28",
               "Mcp-Method": method}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    return http("POST", server.url, headers=headers,
                body={"jsonrpc": "2.0", "id": 1, "method": method, "params": {**(params or {}), "_meta": meta}})


def bearer_client(server, token, era):
    return Client(streamable_http_client(server.url, http_client=httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=60)), mode=ERAS[era])


@pytest.fixture(scope="module")
def server(cluster, oauth_rbac):
    # every client of this module registers from 127.0.0.1: more than the default 10 per hour
    s = HttpServer(cluster.kubeconfig, *oauth_flags(oauth_rbac, oauth_rbac.server_ports[0]), "--max-clients-per-ip=100",
                   "--oauth-rate-limit-per-ip=0")
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(server, oauth_env):
    return OAuthClient(server, oauth_env)


# --- discovery and the challenge ----------------------------------------------------------------

def test_metadata_documents(server):
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        status, _, prm = http("GET", server.base + path)
        assert status == 200, (path, prm)
        assert prm["resource"] == server.url and prm["authorization_servers"] == [server.base]
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        status, _, md = http("GET", server.base + path)
        assert status == 200, (path, md)
        assert md["issuer"] == server.base
        assert md["code_challenge_methods_supported"] == ["S256"]
        assert md["response_types_supported"] == ["code"]
        assert md["authorization_response_iss_parameter_supported"] is True
        assert md["client_id_metadata_document_supported"] is True
        assert md["token_endpoint"] == server.base + "/oauth/token"


def test_401_challenge(server):
    status, headers, _ = mcp_post(server, None)
    assert status == 401
    challenge = headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'resource_metadata="' + server.base in challenge
    assert 'scope="mcp"' in challenge and "error=" not in challenge
    status, headers, _ = mcp_post(server, secrets.token_urlsafe(32))  # a random Bearer
    assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]


# --- the official SDK's OAuth client, headless, as two users -------------------------------------

class MemoryStorage:
    def __init__(self):
        self.tokens, self.client = None, None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def sdk_provider(server, env, user):
    answer = {}

    async def redirect_handler(url):
        answer.update(await anyio.to_thread.run_sync(lambda: follow_login(url, user, env=env)))

    async def callback_handler():
        assert "code" in answer, answer
        return AuthorizationCodeResult(code=answer["code"], state=answer.get("state"), iss=answer.get("iss"))

    metadata = OAuthClientMetadata(redirect_uris=[REDIRECT], client_name=f"sdk e2e ({user})",
                                   grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                                   token_endpoint_auth_method="none")
    storage = MemoryStorage()
    return OAuthClientProvider(server_url=server.url, client_metadata=metadata, storage=storage,
                               redirect_handler=redirect_handler, callback_handler=callback_handler), storage


async def test_sdk_login_and_per_user_rbac(server, oauth_env, era, anyio_backend):
    provider, storage = sdk_provider(server, oauth_env, "alice")
    async with Client(streamable_http_client(server.url, http_client=httpx2.AsyncClient(auth=provider, timeout=60)),
                      mode=ERAS[era]) as c:
        r = await c.call_tool("k8s_list_resources", {"resourceType": "namespaces"})
        assert not r.is_error, text_of(r)
        assert "kube-system" in text_of(r)
        # view does not allow reading Secrets: the API server decided, as alice
        r = await c.call_tool("k8s_list_resources", {"resourceType": "secrets", "namespace": "default"})
        assert r.is_error and "alice@example.com" in text_of(r), text_of(r)
    assert storage.tokens.refresh_token and storage.tokens.access_token

    provider, _ = sdk_provider(server, oauth_env, "bob")
    async with Client(streamable_http_client(server.url, http_client=httpx2.AsyncClient(auth=provider, timeout=60)),
                      mode=ERAS[era]) as c:
        r = await c.call_tool("k8s_list_resources", {"resourceType": "namespaces"})
        assert r.is_error, text_of(r)
        t = text_of(r)
        assert "forbidden" in t.lower() and "bob@example.com" in t, t


async def test_session_of_another_user_is_not_found(server, client, anyio_backend):
    alice, bob = client.login("alice")["access_token"], client.login("bob")["access_token"]
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {alice}"}
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    status, h, _ = http("POST", server.url, body=init, headers=headers)
    assert status == 200
    sid = h["Mcp-Session-Id"]
    status, _, _ = http("POST", server.url, body={"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                        headers={**headers, "Authorization": f"Bearer {bob}", "Mcp-Session-Id": sid,
                                 "MCP-Protocol-Version": "2025-11-25"})
    assert status == 404
    status, _, _ = http("DELETE", server.url, headers={"Authorization": f"Bearer {bob}", "Mcp-Session-Id": sid})
    assert status == 404


# --- the attack suite: each refused, nothing issued ---------------------------------------------

def test_pkce_is_required_and_s256_only(server, client, oauth_env):
    _, challenge = pkce()
    for over in ({"code_challenge": None, "code_challenge_method": None}, {"code_challenge_method": "plain"}):
        status, headers, body = http("GET", client.authorize_url(challenge, **over))
        # the client and redirect URI are known: the error goes back to it, with state and iss
        assert status in (302, 303), body
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["Location"]).query)
        assert q["error"] == ["invalid_request"] and q["state"] == ["st-1"] and q["iss"] == [server.base]


def test_missing_state_is_refused(client):
    _, challenge = pkce()
    status, headers, _ = http("GET", client.authorize_url(challenge, state=None))
    assert status in (302, 303, 400)
    if status != 400:
        assert "error=invalid_request" in headers["Location"]


def test_unregistered_redirect_uri_is_never_redirected_to(client):
    _, challenge = pkce()
    for uri in ("https://evil.example/cb", "http://127.0.0.1:8976/other", "javascript:alert(1)"):
        status, headers, body = http("GET", client.authorize_url(challenge, redirect_uri=uri))
        assert status == 400 and "Location" not in headers, (uri, status, body)
    status, headers, _ = http("GET", client.authorize_url(challenge, client_id="no-such-client"))
    assert status == 400 and "Location" not in headers


def test_loopback_redirect_matches_any_port(client, oauth_env):
    code, verifier = client.code("alice", redirect_uri="http://127.0.0.1:40111/callback")
    status, _, body = client.exchange(code, verifier, redirect_uri="http://127.0.0.1:40111/callback")
    assert status == 200, body


def test_wrong_verifier_and_code_reuse(server, client):
    code, verifier = client.code("alice")
    status, _, body = client.exchange(code, pkce()[0])
    assert status == 400 and body["error"] == "invalid_grant"
    code, verifier = client.code("alice")
    status, _, tokens = client.exchange(code, verifier)
    assert status == 200
    assert mcp_post(server, tokens["access_token"])[0] == 200
    status, _, body = client.exchange(code, verifier)  # reuse: refused, and what it issued is revoked
    assert status == 400 and body["error"] == "invalid_grant"
    assert mcp_post(server, tokens["access_token"])[0] == 401
    assert client.refresh(tokens["refresh_token"])[0] == 400


def test_code_for_another_client_or_resource(server, client, oauth_env):
    other = OAuthClient(server, oauth_env)
    code, verifier = client.code("alice")
    status, _, body = other.exchange(code, verifier)
    assert status == 400 and body["error"] == "invalid_grant"
    _, challenge = pkce()
    status, headers, _ = http("GET", client.authorize_url(challenge, resource="https://other.example/mcp"))
    assert status in (302, 303) and "error=invalid_target" in headers["Location"]


def test_refresh_rotates_and_reuse_revokes_the_family(server, client):
    first = client.login("alice")
    status, _, second = client.refresh(first["refresh_token"])
    assert status == 200 and second["refresh_token"] != first["refresh_token"]
    assert mcp_post(server, second["access_token"])[0] == 200
    status, _, body = client.refresh(first["refresh_token"])  # reuse of a rotated token
    assert status == 400 and body["error"] == "invalid_grant"
    assert mcp_post(server, second["access_token"])[0] == 401
    assert client.refresh(second["refresh_token"])[0] == 400


def test_refresh_token_is_bound_to_its_client(server, client, oauth_env):
    tokens = client.login("alice")
    other = OAuthClient(server, oauth_env)
    status, _, body = other.refresh(tokens["refresh_token"])
    assert status == 400 and body["error"] == "invalid_grant"


def test_revocation(server, client, oauth_env):
    tokens = client.login("alice")
    other = OAuthClient(server, oauth_env)
    status, _, _ = http("POST", server.base + "/oauth/revoke", form={"client_id": other.id, "token": tokens["access_token"]})
    assert status == 200  # RFC 7009: no information given, but nothing revoked
    assert mcp_post(server, tokens["access_token"])[0] == 200
    status, _, _ = http("POST", server.base + "/oauth/revoke", form={"client_id": client.id, "token": tokens["refresh_token"]})
    assert status == 200
    assert mcp_post(server, tokens["access_token"])[0] == 401
    assert client.refresh(tokens["refresh_token"])[0] == 400


def test_identity_provider_tokens_are_refused(server, oauth_env):
    answer = dex_password_grant("alice", env=oauth_env, full=True)
    for token in (answer["id_token"], answer["access_token"]):
        status, headers, _ = mcp_post(server, token)
        assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]


def test_registration_rules(server, cluster, oauth_rbac):
    for uris in (["http://evil.example/cb"], ["javascript:alert(1)"], ["https://169.254.169.254/cb"],
                 ["https://10.1.2.3/cb"], ["data:text/html,x"], []):
        status, _, body = http("POST", server.base + "/oauth/register", body={"redirect_uris": uris})
        assert status == 400 and body["error"] in ("invalid_redirect_uri", "invalid_client_metadata"), (uris, body)
    # without --allow-public-registration, a registration token is required
    port = oauth_rbac.server_ports[3]
    flags = [f for f in oauth_flags(oauth_rbac, port) if f != "--allow-public-registration"]
    token_file = pathlib.Path(cluster.dir) / "oauth-registration-token"
    token_file.write_text("registration-secret-0123456789\n")
    s = HttpServer(cluster.kubeconfig, *flags, f"--registration-token-file={token_file}", "--max-clients-per-ip=2",
                   "--oauth-rate-limit-per-ip=10")
    try:
        meta = {"redirect_uris": [REDIRECT]}
        assert http("POST", s.base + "/oauth/register", body=meta)[0] == 401
        assert http("POST", s.base + "/oauth/register", body=meta,
                    headers={"Authorization": "Bearer wrong-secret-0123456789"})[0] == 401
        good = {"Authorization": "Bearer registration-secret-0123456789"}
        assert http("POST", s.base + "/oauth/register", body=meta, headers=good)[0] == 201
        assert http("POST", s.base + "/oauth/register", body=meta, headers=good)[0] == 201
        status, _, body = http("POST", s.base + "/oauth/register", body=meta, headers=good)
        assert status == 429 and "2 registrations per address" in body["error_description"], body
        # 5 requests so far; the 11th within the minute is refused
        answers = [http("GET", s.base + "/.well-known/oauth-authorization-server") for _ in range(6)]
        assert [a[0] for a in answers] == [200] * 5 + [429]
        assert answers[-1][1]["Retry-After"] == "60"
    finally:
        s.close()
    assert "registration-secret" not in s.log


async def test_sso_token_forwarding(cluster, oauth_rbac, anyio_backend):
    """--oauth-trusted-audiences: Dex's own ID token for a trusted audience is accepted as the
    Bearer, verified against Dex's keys, and used downstream as the user's identity."""
    s = HttpServer(cluster.kubeconfig, *oauth_flags(oauth_rbac, oauth_rbac.server_ports[4]),
                   f"--oauth-trusted-audiences={oauth_rbac['DEX_K8S_CLIENT_ID']}")
    try:
        async with bearer_client(s, dex_password_grant("alice", env=oauth_rbac), "modern") as c:
            r = await c.call_tool("k8s_list_resources", {"resourceType": "namespaces"})
            assert not r.is_error, text_of(r)
        async with bearer_client(s, dex_password_grant("bob", env=oauth_rbac), "modern") as c:
            r = await c.call_tool("k8s_list_resources", {"resourceType": "namespaces"})
            assert r.is_error and "bob@example.com" in text_of(r), text_of(r)
        # an ID token whose audience is not trusted (only mcp-server), a forged and a tampered one
        untrusted = dex_password_grant("alice", env=oauth_rbac, audience=False)
        head, body, sig = dex_password_grant("alice", env=oauth_rbac).split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        claims["email"] = "admin@example.com"
        forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        for token in (untrusted, f"{head}.{forged_body}.{sig}", f"{head}.{body}.{sig[:-4]}AAAA"):
            status, headers, _ = mcp_post(s, token)
            assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]
    finally:
        s.close()
    assert "eyJ" not in s.log


def test_access_token_expiry_and_per_user_limit(cluster, oauth_rbac):
    s = HttpServer(cluster.kubeconfig, *oauth_flags(oauth_rbac, oauth_rbac.server_ports[3]), "--access-token-ttl=4s",
                   "--oauth-rate-limit-per-user=3")
    try:
        client = OAuthClient(s, oauth_rbac)
        alice, bob = client.login("alice"), client.login("bob")
        issued = time.monotonic()
        statuses = [mcp_post(s, alice["access_token"])[0] for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert mcp_post(s, bob["access_token"])[0] == 200  # the limit is per user
        time.sleep(max(0.0, issued + 4.5 - time.monotonic()))
        status, headers, _ = mcp_post(s, bob["access_token"])
        assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]
        status, _, fresh = client.refresh(bob["refresh_token"])  # the refresh token outlives it
        assert status == 200 and mcp_post(s, fresh["access_token"])[0] == 200
    finally:
        s.close()


async def test_downstream_oauth_in_cluster(cluster, oauth_rbac, tmp_path, anyio_backend):
    """In-cluster, the service account's token is replaced by the user's ID token: the server's
    own identity (here a token that the API server refuses) never reaches Kubernetes."""
    kc = yaml.safe_load(open(cluster.kubeconfig))["clusters"][0]["cluster"]
    host, port = re.match(r"https://([\d.]+):(\d+)", kc["server"]).groups()
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("not-a-valid-token")
    (sa / "ca.crt").write_bytes(base64.b64decode(kc["certificate-authority-data"]))
    (sa / "namespace").write_text("default")
    env = {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port, "MCPK_SERVICEACCOUNT_DIR": str(sa)}
    s = HttpServer("/nonexistent", "--in-cluster", *oauth_flags(oauth_rbac, oauth_rbac.server_ports[3]), env=env)
    try:
        client = OAuthClient(s, oauth_rbac)
        async with bearer_client(s, client.login("alice")["access_token"], "modern") as c:
            r = await c.call_tool("k8s_list_resources", {"resourceType": "namespaces"})
            assert not r.is_error, text_of(r)
        async with bearer_client(s, client.login("bob")["access_token"], "modern") as c:
            r = await c.call_tool("k8s_list_resources", {"resourceType": "namespaces"})
            assert r.is_error and "bob@example.com" in text_of(r), text_of(r)
    finally:
        s.close()


def test_consent_from_another_site_is_refused(server, client):
    """A form on another site that posts our consent (with a request id it started itself)
    would skip the user's decision: the browser's Origin/Sec-Fetch-Site give it away."""
    _, challenge = pkce()
    status, _, page = http("GET", client.authorize_url(challenge))
    assert status == 200
    request_id = re.search(r'name="request" value="([^"]+)"', page).group(1)
    url, form = server.base + "/oauth/authorize/consent", {"request": request_id, "decision": "allow"}
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        status, _, _ = http("POST", url, form=form, headers=headers)
        assert status == 403, headers
    status, headers, _ = http("POST", url, form=form, headers={"Origin": server.base, "Sec-Fetch-Site": "same-origin"})
    assert status in (302, 303) and "/dex/auth" in headers["Location"]  # on to the identity provider


def test_required_parameters(server, client):
    for fields in ({"grant_type": "authorization_code"}, {"grant_type": "refresh_token"}):
        status, _, body = client.token(**fields)
        assert status == 400 and body["error"] == "invalid_request" and "is required" in body["error_description"]
    status, _, body = http("POST", server.base + "/oauth/revoke", form={"client_id": client.id})
    assert status == 400 and body["error"] == "invalid_request"


def test_empty_secret_file_stops_start_up(cluster, oauth_env, tmp_path):
    from conftest import run, BIN
    empty = tmp_path / "secret"
    empty.write_text("\n")
    flags = [f if not f.startswith("--dex-client-secret-file") else f"--dex-client-secret-file={empty}"
             for f in oauth_flags(oauth_env, oauth_env.server_ports[3])]
    r = run(BIN, "serve", "--transport=streamable-http", *flags, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and f"--dex-client-secret-file: {empty} holds no secret" in r.stderr, r.stderr


def test_cimd_pointing_at_a_private_address_is_refused(client):
    _, challenge = pkce()
    status, headers, body = http("GET", client.authorize_url(challenge, client_id="https://127.0.0.1:1/client.json"))
    assert status == 400 and "Location" not in headers, body


def test_oversized_and_malformed_bodies(server, client):
    big = b"x" * (2 << 20)
    for path in ("/oauth/register", "/oauth/token", "/oauth/revoke"):
        ct = "application/json" if path == "/oauth/register" else "application/x-www-form-urlencoded"
        status, _, _ = http("POST", server.base + path, raw=big, headers={"Content-Type": ct})
        assert status in (400, 413), path
        status, _, body = http("POST", server.base + path, raw=b"%zz{[", headers={"Content-Type": ct})
        assert status == 400, (path, body)
    status, _, _ = http("GET", server.base + "/oauth/authorize?" + "a=%zz")
    assert status == 400
    status, _, _ = http("GET", server.base + "/oauth/callback?state=forged&code=x")
    assert status == 400
    # a long random Bearer (headers past 8 KiB are refused before authentication, with 431)
    status, headers, _ = mcp_post(server, "x" * 7000)
    assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]


def test_no_secret_in_the_log(server, oauth_env):
    secret = oauth_env.client_secret
    assert secret not in server.log
    for line in server.log.splitlines():
        assert "eyJ" not in line, line  # no JWT
    assert "audit oauth event=login" in server.log and "event=refresh" in server.log


# --- two replicas on one Redis ------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    exe = shutil.which("redis-server")
    if not exe:
        pytest.fail("redis-server is missing: run scripts/install-deps test")
    port, d = free_port(), tmp_path_factory.mktemp("redis")
    p = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--dir", str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield port
    p.terminate()
    p.wait(10)


def redis_dump(port):
    """Every key and value of the Redis (strings and hashes)."""
    cli = ["redis-cli", "-p", str(port), "--no-raw"]
    keys = subprocess.run([*cli[:3], "--scan"], capture_output=True, text=True, check=True).stdout.split()
    out = []
    for k in keys:
        kind = subprocess.run([*cli[:3], "type", k], capture_output=True, text=True).stdout.strip()
        cmd = {"string": ["get", k], "hash": ["hgetall", k], "zset": ["zrange", k, "0", "-1"],
               "set": ["smembers", k], "list": ["lrange", k, "0", "-1"]}.get(kind, ["type", k])
        out.append((k, subprocess.run([*cli[:3], *cmd], capture_output=True, text=True).stdout))
    return out


async def test_two_replicas_share_one_redis(cluster, oauth_rbac, redis, anyio_backend):
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    common = ("--oauth-storage-type=valkey", f"--valkey-url=redis://127.0.0.1:{redis}", "--valkey-key-prefix=e2e:",
              f"--oauth-encryption-key={key}")
    # one URL for both, as behind a load balancer: the issuer is the first's address
    a_port, b_port = oauth_rbac.server_ports[1], oauth_rbac.server_ports[2]
    a = HttpServer(cluster.kubeconfig, *oauth_flags(oauth_rbac, a_port), *common)
    b_flags = [f if not f.startswith("--oauth-base-url") else f"--oauth-base-url=http://127.0.0.1:{a_port}"
               for f in oauth_flags(oauth_rbac, b_port)]
    b = HttpServer(cluster.kubeconfig, *b_flags, *common)
    try:
        client = OAuthClient(a, oauth_rbac)
        tokens = client.login("alice")
        # the token of A works on B (stateless era), and B refreshes what A issued
        async with bearer_client(b, tokens["access_token"], "modern") as c:
            r = await c.call_tool("k8s_list_resources", {"resourceType": "namespaces"})
            assert not r.is_error, text_of(r)
        b_client = OAuthClient.__new__(OAuthClient)
        b_client.__dict__.update(client.__dict__, base=b.base)
        status, _, fresh = b_client.refresh(tokens["refresh_token"])
        assert status == 200, fresh
        assert mcp_post(a, fresh["access_token"])[0] == 200
        assert client.refresh(tokens["refresh_token"])[0] == 400  # reuse seen by A too: family revoked
        assert mcp_post(b, fresh["access_token"])[0] == 401
        tokens = client.login("alice")
        upstream = dex_password_grant("alice", env=oauth_rbac)
        dump = redis_dump(redis)
        assert dump and all(k.startswith("e2e:") for k, _ in dump)
        everything = "\n".join(f"{k} {v}" for k, v in dump)
        for t in (tokens["access_token"], tokens["refresh_token"], fresh["access_token"], fresh["refresh_token"]):
            assert t not in everything
        assert "eyJ" not in everything and upstream.split(".")[0] not in everything  # no JWT, sealed upstream tokens
        assert "alice-password" not in everything

        # Dex's ID tokens live 2 minutes (tests/oauth/dex-up); within a minute of expiry the
        # server renews one with the upstream refresh token (single use at Dex) before the call.
        # Both replicas call at once: one renews under the lock in Redis, the other waits for it.
        time.sleep(62)

        async def call(server):
            async with bearer_client(server, tokens["access_token"], "modern") as c:
                r = await c.call_tool("k8s_list_resources", {"resourceType": "namespaces"})
                assert not r.is_error, text_of(r)
        async with anyio.create_task_group() as tg:
            tg.start_soon(call, a)
            tg.start_soon(call, b)
        renewals = [line for line in a.log.splitlines() + b.log.splitlines() if "event=upstream_refresh" in line]
        assert len(renewals) == 1 and "outcome=ok" in renewals[0], renewals
    finally:
        a.close()
        b.close()


# --- the official conformance suite's authorization-server scenarios -----------------------------

CONFORMANCE = pathlib.Path(__file__).resolve().parents[1] / "conformance"


def test_conformance_authorization_scenarios(server, oauth_env):
    """@modelcontextprotocol/conformance 0.2.0-alpha `authorization`: the metadata endpoint and a
    whole authorization-code grant, the login done by follow_login as alice, the callback
    delivered to the suite's own callback server."""
    node, suite = CONFORMANCE / "node_modules" / ".bin" / "node", CONFORMANCE / "node_modules" / "conformance-next" / "dist" / "index.js"
    if not suite.exists():
        pytest.fail("conformance suite not installed: run scripts/install-deps test")
    port = free_port()
    client = OAuthClient(server, oauth_env, redirect=f"http://127.0.0.1:{port}/callback")
    p = subprocess.Popen([str(node), str(suite), "authorization", "--url", server.base, "--client-id", client.id,
                          "--resource", server.url, "-p", str(port)], cwd=CONFORMANCE, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    out = ""
    try:
        for line in p.stdout:
            out += line
            if line.startswith(server.base + "/oauth/authorize?"):
                q = follow_login(line.strip(), "alice", env=oauth_env)
                deadline = time.monotonic() + 10  # the suite's callback server starts after it prints
                while True:
                    try:
                        urllib.request.urlopen(f"{client.redirect}?{urllib.parse.urlencode(q)}", timeout=10).read()
                        break
                    except (urllib.error.URLError, ConnectionError):
                        assert time.monotonic() < deadline, out
                        time.sleep(0.1)
        p.wait(60)
    finally:
        p.kill()
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    m = re.search(r"Total: (\d+) passed, (\d+) failed", out)
    assert m and p.returncode == 0, out[-3000:]
    passed, failed = map(int, m.groups())
    assert passed >= 3 and failed == 0 and "WARNING" not in out, out[-3000:]
