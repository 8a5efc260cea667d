"""The OAuth test bed itself, without our server's OAuth: Dex (tests/oauth/dex-up) answers, its
ID tokens carry the audience the API server wants, the API server trusts them and maps users
and groups, the RBAC of the test users holds, and follow_login walks a consent page, Dex's login
form and a callback with plain HTTP. Skips when MCPK_TEST_OAUTH_ENV is not set."""
import http.server
import json
import os
import secrets
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from oauth_support import (ENV_VAR, LoginError, dex_password_grant, dex_token_request, follow_login, jwt_claims,
                           kube_request, whoami)

# Skip before any fixture runs (a cluster of our own would be started for nothing).
pytestmark = pytest.mark.skipif(not os.environ.get(ENV_VAR), reason=f"{ENV_VAR} is not set: no Dex for the OAuth "
                                "tests (make test starts one; or run tests/oauth/dex-up and export the path it prints)")


def _get_json(url, ctx):
    with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
        return json.loads(r.read())


def _aud(claims):
    a = claims["aud"]
    return [a] if isinstance(a, str) else a


def test_dex_answers_discovery_over_tls_with_the_test_ca(oauth_env):
    d = _get_json(oauth_env["DEX_DISCOVERY_URL"], oauth_env.ssl_context())
    assert d["issuer"] == oauth_env.issuer
    assert d["token_endpoint"] == oauth_env.token_url
    assert d["authorization_endpoint"] == oauth_env["DEX_AUTH_URL"]
    assert {"authorization_code", "refresh_token", "password"} <= set(d["grant_types_supported"])
    # the certificate is the test CA's, not one the machine trusts
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(oauth_env["DEX_DISCOVERY_URL"], context=ssl.create_default_context(), timeout=10)


def test_password_grant_gives_an_id_token_for_kubernetes(oauth_env):
    claims = jwt_claims(dex_password_grant("alice"))
    assert claims["iss"] == oauth_env.issuer
    assert "kubernetes" in _aud(claims) and "mcp-server" in _aud(claims)
    assert claims["azp"] == "mcp-server"
    assert claims["email"] == "alice@example.com" and claims["email_verified"] is True
    assert claims["groups"] == ["team-view"]
    # without the cross-client scope the token is for mcp-server alone
    assert _aud(jwt_claims(dex_password_grant("alice", audience=False))) == ["mcp-server"]
    answer = dex_password_grant("carol", offline=True, full=True)
    assert answer["refresh_token"] and answer["access_token"]
    assert jwt_claims(answer["id_token"])["groups"] == ["team-edit"]
    with pytest.raises(AssertionError, match="HTTP 401"):
        dex_token_request({"grant_type": "password", "username": "alice@example.com", "password": "wrong",
                           "scope": "openid"})


def test_api_server_maps_dex_users_and_groups(cluster, oauth_rbac):
    for user, group in (("alice", "oidc:team-view"), ("bob", "oidc:team-none"), ("carol", "oidc:team-edit")):
        status, info = whoami(cluster, dex_password_grant(user))
        assert status == 201, info
        assert info["username"] == f"{user}@example.com"
        assert group in info["groups"] and "system:authenticated" in info["groups"]


def test_rbac_of_the_dex_users(cluster, oauth_rbac):
    alice, bob, carol = (dex_password_grant(u) for u in ("alice", "bob", "carol"))
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "oauth-testbed-cm"}}
    # alice: view everywhere, nothing more
    assert kube_request(cluster, alice, "GET", "/api/v1/pods")[0] == 200
    assert kube_request(cluster, alice, "GET", "/api/v1/namespaces/team-a/pods")[0] == 200
    assert kube_request(cluster, alice, "POST", "/api/v1/namespaces/team-a/configmaps", cm)[0] == 403
    # bob: authenticated, allowed nothing
    status, body = kube_request(cluster, bob, "GET", "/api/v1/pods")
    assert status == 403 and "bob@example.com" in body["message"]
    assert kube_request(cluster, bob, "GET", "/api/v1/namespaces/team-a/pods")[0] == 403
    # carol: edit in team-a only
    assert kube_request(cluster, carol, "GET", "/api/v1/namespaces/team-a/pods")[0] == 200
    assert kube_request(cluster, carol, "GET", "/api/v1/namespaces/default/pods")[0] == 403
    assert kube_request(cluster, carol, "GET", "/api/v1/pods")[0] == 403
    status, body = kube_request(cluster, carol, "POST", "/api/v1/namespaces/team-a/configmaps", cm)
    assert status == 201, body
    assert kube_request(cluster, carol, "DELETE", "/api/v1/namespaces/team-a/configmaps/oauth-testbed-cm")[0] == 200


def test_bad_tokens_are_401(cluster, oauth_rbac):
    assert kube_request(cluster, "garbage-token", "GET", "/api/v1/pods")[0] == 401
    assert whoami(cluster, "garbage-token")[0] == 401
    # a Dex ID token minted for mcp-server alone (no cross-client audience scope)
    assert whoami(cluster, dex_password_grant("alice", audience=False))[0] == 401
    # a valid token with its signature altered
    h, p, sig = dex_password_grant("alice").split(".")
    forged = ".".join((h, p, ("A" if sig[0] != "A" else "B") + sig[1:]))
    assert whoami(cluster, forged)[0] == 401


def _dex_authorize_url(env, redirect_uri, state, scope=None):
    return env["DEX_AUTH_URL"] + "?" + urllib.parse.urlencode({
        "client_id": env.client_id, "redirect_uri": redirect_uri, "response_type": "code", "state": state,
        "scope": scope or f"openid email profile groups {env.audience_scope}",
        "connector_id": env["DEX_CONNECTOR_ID"]})


def test_follow_login_through_dex_alone(cluster, oauth_env, oauth_rbac):
    redirect = oauth_env.redirect_uri(oauth_env.server_ports[-1], host="localhost")
    trace = []
    got = follow_login(_dex_authorize_url(oauth_env, redirect, "st-1"), "carol", trace=trace)
    assert got["state"] == "st-1" and got["code"], (got, trace)
    assert any("/dex/auth/local/login" in url for _, url, _ in trace), trace
    answer = dex_token_request({"grant_type": "authorization_code", "code": got["code"], "redirect_uri": redirect})
    claims = jwt_claims(answer["id_token"])
    assert claims["email"] == "carol@example.com" and "kubernetes" in _aud(claims)
    assert whoami(cluster, answer["id_token"])[1]["username"] == "carol@example.com"
    # a wrong password: Dex shows its form again
    with pytest.raises(LoginError, match="login form came back"):
        follow_login(_dex_authorize_url(oauth_env, redirect, "st-2"), "carol", password="not-carols")
    # the redirect-URI contract: only the ports of MCPK_OAUTH_SERVER_PORTS are registered
    unregistered = f"http://127.0.0.1:{oauth_env.server_ports[-1] + 1}/oauth/callback"
    with pytest.raises(LoginError, match="HTTP 400"):
        follow_login(_dex_authorize_url(oauth_env, unregistered, "st-3"), "carol")


class _FakeAuthorizationServer:
    """What our server's OAuth will do, in miniature: /oauth/authorize shows a consent form that
    POSTs to /oauth/authorize/consent, which sends the browser to Dex; /oauth/callback redeems
    Dex's code and sends the browser to the client's redirect URI with our own code, state, iss."""

    def __init__(self, env, port):
        self.env, self.base = env, f"http://127.0.0.1:{port}"
        self.pending, self.upstream_tokens = {}, []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _redirect(self, url, code=302):
                self.send_response(code)
                self.send_header("Location", url)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                path, _, query = self.path.partition("?")
                q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
                if path == "/oauth/authorize":
                    rid = secrets.token_urlsafe(8)
                    fake.pending[rid] = q
                    page = (f'<!doctype html><html><body><p>Allow {q["client_id"]}?</p>'
                            f'<form method="post" action="/oauth/authorize/consent">'
                            f'<input type="hidden" name="request_id" value="{rid}">'
                            f'<button type="submit" name="decision" value="deny">Deny</button>'
                            f'<button type="submit" name="decision" value="approve">Approve</button>'
                            f'</form></body></html>').encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Set-Cookie", f"consent={rid}; Path=/oauth; HttpOnly")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                elif path == "/oauth/callback":
                    rid = q["state"]
                    client = fake.pending.pop(rid)
                    answer = dex_token_request({"grant_type": "authorization_code", "code": q["code"],
                                                "redirect_uri": fake.base + "/oauth/callback"}, env=fake.env)
                    fake.upstream_tokens.append(answer["id_token"])
                    self._redirect(client["redirect_uri"] + "?" + urllib.parse.urlencode(
                        {"code": "our-code-" + rid, "state": client["state"], "iss": fake.base}))
                else:
                    self.send_error(404)

            def do_POST(self):
                form = {k: v[0] for k, v in urllib.parse.parse_qs(
                    self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                rid = form.get("request_id", "")
                if self.path != "/oauth/authorize/consent" or f"consent={rid}" not in (self.headers["Cookie"] or ""):
                    self.send_error(400, "no consent cookie")
                    return
                client = fake.pending[rid]
                if form.get("decision") != "approve":
                    fake.pending.pop(rid)
                    self._redirect(client["redirect_uri"] + "?" + urllib.parse.urlencode(
                        {"error": "access_denied", "state": client["state"], "iss": fake.base}), 303)
                    return
                self._redirect(_dex_authorize_url(fake.env, fake.base + "/oauth/callback", rid), 303)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_as(oauth_env):
    s = _FakeAuthorizationServer(oauth_env, oauth_env.server_port)
    try:
        yield s
    finally:
        s.close()


def test_follow_login_through_consent_dex_and_callback(cluster, oauth_env, oauth_rbac, fake_as):
    client_redirect = "http://127.0.0.1:1/client/callback"  # nothing listens: follow_login stops before it
    authorize = fake_as.base + "/oauth/authorize?" + urllib.parse.urlencode(
        {"client_id": "some-mcp-client", "redirect_uri": client_redirect, "response_type": "code",
         "state": "client-state", "code_challenge": "x" * 43, "code_challenge_method": "S256"})
    trace = []
    got = follow_login(authorize, "alice", trace=trace)
    assert got["state"] == "client-state" and got["iss"] == fake_as.base, (got, trace)
    assert got["code"].startswith("our-code-")
    steps = [urllib.parse.urlsplit(url).path for _, url, _ in trace]
    assert steps[:2] == ["/oauth/authorize", "/oauth/authorize/consent"], trace
    assert "/dex/auth/local/login" in steps and steps[-1] == "/oauth/callback", trace
    # the upstream ID token the callback redeemed is alice's and the API server takes it
    assert whoami(cluster, fake_as.upstream_tokens[-1])[1]["username"] == "alice@example.com"
    # denying at the consent page: the client gets access_denied, Dex is never visited
    trace = []
    got = follow_login(authorize, "alice", approve=False, trace=trace)
    assert got == {"error": "access_denied", "state": "client-state", "iss": fake_as.base}
    assert not any("/dex/" in url for _, url, _ in trace), trace
