"""OAuth test support: the Dex of tests/oauth/dex-up, seen from pytest.

`make test` starts Dex (tests/oauth/dex-up --name e2e) before the test cluster, starts the
cluster with Dex's authentication-config.yaml, and passes the path of Dex's env file in
MCPK_TEST_OAUTH_ENV. Without that variable the OAuth tests skip (the fixture `oauth_env`).

The contract with the MCP server under test (see tests/oauth/dex-up):
  - Dex's client for our server is `mcp-server` (secret in DEX_CLIENT_SECRET_FILE); its redirect
    URIs are http(s)://{127.0.0.1,localhost}:PORT/oauth/callback for PORT in
    MCPK_OAUTH_SERVER_PORTS only, so a test runs the server with --http-addr=127.0.0.1:PORT;
  - the server asks Dex for the scope `audience:server:client_id:kubernetes` (DEX_AUDIENCE_SCOPE):
    the API server accepts only ID tokens whose aud contains `kubernetes`;
  - users alice (group team-view: "view" everywhere), bob (team-none: nothing), carol (team-edit:
    "edit" in team-a); the API server sees groups as oidc:<group> (tests/oauth/rbac.yaml).

Helpers: dex_password_grant(user) -> ID token; follow_login(authorize_url, user) walks a
browser login with plain HTTP (our /oauth/authorize, a consent form, Dex's login form,
/oauth/callback) and stops at the client's redirect URI; kube_request(cluster, token, ...) calls
the API server as the token's user.
"""
from __future__ import annotations

import base64
import dataclasses
import html.parser
import http.cookiejar
import json
import os
import pathlib
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

ENV_VAR = "MCPK_TEST_OAUTH_ENV"
ROOT = pathlib.Path(__file__).resolve().parents[1]


class LoginError(AssertionError):
    """A login walk ended somewhere other than the client's redirect URI."""


@dataclasses.dataclass(frozen=True)
class User:
    name: str
    email: str
    password: str
    groups: tuple[str, ...]


class OAuthEnv:
    """The env file of tests/oauth/dex-up: KEY=VALUE lines (indexable like a dict)."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self.vars: dict[str, str] = {}
        for line in self.path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                self.vars[k.strip()] = v.strip()
        self.users = {}
        for name in self.vars["MCPK_OAUTH_USERS"].split(","):
            u = name.upper()
            self.users[name] = User(name, self.vars[f"MCPK_OAUTH_USER_{u}_EMAIL"],
                                    self.vars[f"MCPK_OAUTH_USER_{u}_PASSWORD"],
                                    tuple(g for g in self.vars[f"MCPK_OAUTH_USER_{u}_GROUPS"].split(",") if g))

    def __getitem__(self, key):
        return self.vars[key]

    def get(self, key, default=None):
        return self.vars.get(key, default)

    issuer = property(lambda self: self["DEX_ISSUER"])
    ca_file = property(lambda self: self["DEX_CA_FILE"])
    token_url = property(lambda self: self["DEX_TOKEN_URL"])
    client_id = property(lambda self: self["DEX_CLIENT_ID"])
    client_secret = property(lambda self: pathlib.Path(self["DEX_CLIENT_SECRET_FILE"]).read_text().strip())
    audience_scope = property(lambda self: self["DEX_AUDIENCE_SCOPE"])
    server_ports = property(lambda self: [int(p) for p in self["MCPK_OAUTH_SERVER_PORTS"].split(",")])
    server_port = property(lambda self: int(self["MCPK_OAUTH_SERVER_PORT"]))
    group_prefix = property(lambda self: self["MCPK_OAUTH_GROUP_PREFIX"])

    def user(self, who) -> User:
        """A user by name ("alice"), by email, or a User itself."""
        if isinstance(who, User):
            return who
        for u in self.users.values():
            if who in (u.name, u.email):
                return u
        raise KeyError(f"no Dex test user {who!r} (have {', '.join(self.users)})")

    def redirect_uri(self, port=None, host="127.0.0.1", scheme="http") -> str:
        """The redirect URI registered at Dex for an MCP server listening on `port`."""
        port = self.server_port if port is None else port
        assert port in self.server_ports, f"port {port} is not one of MCPK_OAUTH_SERVER_PORTS {self.server_ports}"
        return f"{scheme}://{host}:{port}{self['MCPK_OAUTH_CALLBACK_PATH']}"

    def ssl_context(self, *cafiles) -> ssl.SSLContext:
        """A TLS context trusting the test CA of Dex (and the given CA files)."""
        ctx = ssl.create_default_context(cafile=self.ca_file)
        for f in cafiles:
            ctx.load_verify_locations(cafile=str(f))
        return ctx


_loaded: dict[str, OAuthEnv] = {}


def load_env(path=None) -> OAuthEnv | None:
    """The env file at `path` or $MCPK_TEST_OAUTH_ENV; None when neither is given."""
    path = path or os.environ.get(ENV_VAR)
    if not path:
        return None
    if path not in _loaded:
        _loaded[path] = OAuthEnv(path)
    return _loaded[path]


def require_env() -> OAuthEnv:
    env = load_env()
    if env is None:
        pytest.skip(f"{ENV_VAR} is not set: no Dex for the OAuth tests "
                    "(make test starts one; or run tests/oauth/dex-up and export the path it prints)")
    return env


def _env(env):
    return env if env is not None else require_env()


# --- Dex ---------------------------------------------------------------------------------------

def jwt_claims(token: str) -> dict:
    """The payload of a JWT, NOT verified (for looking at what Dex issued)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def dex_token_request(fields: dict, *, env=None, client_id=None, client_secret=None) -> dict:
    """POSTs `fields` to Dex's token endpoint as client mcp-server (HTTP Basic); the JSON answer.
    Raises AssertionError with Dex's answer on an error status."""
    env = _env(env)
    cid = client_id or env.client_id
    secret = client_secret if client_secret is not None else env.client_secret
    basic = base64.b64encode(f"{urllib.parse.quote(cid, safe='')}:{urllib.parse.quote(secret, safe='')}".encode()).decode()
    req = urllib.request.Request(env.token_url, data=urllib.parse.urlencode(fields).encode(), method="POST",
                                 headers={"Authorization": f"Basic {basic}",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, context=env.ssl_context(), timeout=30) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise AssertionError(f"Dex token endpoint: HTTP {e.code}: {e.read().decode(errors='replace')}") from None


def dex_password_grant(user, *, audience=True, offline=False, scopes=("openid", "email", "profile", "groups"),
                       env=None, full=False):
    """An ID token for a test user straight from Dex (grant_type=password), for tests that need a
    token and not a login. With audience=True (the default) the cross-client scope makes the
    token's aud contain "kubernetes" (and "mcp-server"), as our server's upstream tokens do.
    full=True returns Dex's whole answer (access_token, refresh_token, id_token, expires_in)."""
    env = _env(env)
    u = env.user(user)
    scope = list(scopes) + (["offline_access"] if offline else []) + ([env.audience_scope] if audience else [])
    answer = dex_token_request({"grant_type": "password", "username": u.email, "password": u.password,
                                "scope": " ".join(scope)}, env=env)
    return answer if full else answer["id_token"]


# --- a browser login, without a browser -----------------------------------------------------------

@dataclasses.dataclass
class Form:
    """An HTML form: its method, absolute action URL and fields (name, value, type)."""
    method: str
    action: str
    fields: list = dataclasses.field(default_factory=list)   # [(name, value, type)] inputs, textareas, selects
    buttons: list = dataclasses.field(default_factory=list)  # [(name, value, label)] submit buttons

    def has_password(self):
        return any(t == "password" for _, _, t in self.fields)


class _FormParser(html.parser.HTMLParser):
    def __init__(self, base_url):
        super().__init__(convert_charrefs=True)
        self.base, self.forms, self._form, self._button, self._select = base_url, [], None, None, None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form((a.get("method") or "get").upper(), urllib.parse.urljoin(self.base, a.get("action") or self.base))
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            t = (a.get("type") or "text").lower()
            name = a.get("name")
            if t in ("submit", "image"):
                self._form.buttons.append((name, a.get("value", ""), a.get("value", "")))
            elif t in ("checkbox", "radio"):
                if name and "checked" in a:
                    self._form.fields.append((name, a.get("value", "on"), t))
            elif name and t not in ("button", "reset", "file"):
                self._form.fields.append((name, a.get("value", ""), t))
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            self._button = [a.get("name"), a.get("value", ""), ""]
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None]
        elif tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in a:
                self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._button is not None:
            self._button[2] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "button" and self._button is not None:
            if self._form is not None:
                self._form.buttons.append((self._button[0], self._button[1], self._button[2].strip()))
            self._button = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.fields.append((self._textarea[0], self._textarea[1], "textarea"))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._form is not None and self._select[1] is not None:
                self._form.fields.append((self._select[0], self._select[1], "select"))
            self._select = None


def parse_forms(html_text: str, base_url: str) -> list[Form]:
    p = _FormParser(base_url)
    p.feed(html_text)
    p.close()
    return p.forms


_APPROVE = re.compile(r"approve|allow|accept|grant|authori[sz]e|consent|yes|confirm|continue|log ?in|sign ?in|submit", re.I)
_DENY = re.compile(r"deny|reject|decline|cancel|refuse|\bno\b", re.I)


def fill_form(form: Form, user: User | None, approve: bool = True) -> list[tuple[str, str]]:
    """The fields a person would submit: hidden fields as they are, the user's email in the
    text/email field, the password in the password field, and the approving (or, with
    approve=False, the denying) submit button."""
    out = []
    for name, value, t in form.fields:
        if t == "password" and user is not None:
            value = user.password
        elif t in ("text", "email") and user is not None and not value:
            value = user.email
        out.append((name, value))
    if form.buttons:
        def label(b):
            return f"{b[0] or ''} {b[1]} {b[2]}"
        want = _APPROVE if approve else _DENY
        chosen = [b for b in form.buttons if want.search(label(b))]
        if not approve and not chosen:
            raise LoginError(f"no denying button in the form to {form.action}: {form.buttons}")
        b = (chosen or form.buttons)[0]
        if b[0]:
            out.append((b[0], b[1]))
    return out


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # every 3xx comes back to follow_login as an HTTPError


def _endpoint(url):
    u = urllib.parse.urlsplit(url)
    return (u.scheme.lower(), u.netloc.lower(), u.path or "/")


def follow_login(authorize_url: str, user, password: str | None = None, *, redirect_uri: str | None = None,
                 approve: bool = True, form_hook=None, cafiles=(), env=None, max_hops: int = 30,
                 trace: list | None = None) -> dict:
    """Walks an authorization request the way a browser would, with plain HTTP and no browser:
    our server's /oauth/authorize → (its consent page, an HTML form) → Dex /dex/auth?…
    &connector_id=local → Dex's login form (POSTed with the user's email and password) → 303s →
    our /oauth/callback → 302 to the client's redirect URI. It stops there, without connecting
    to it, and returns that URI's query as a dict (code, state, iss; or error, error_description).

    user: a Dex test user's name or email, or a User; password overrides the user's own.
    redirect_uri: where to stop; by default the redirect_uri parameter of authorize_url.
    Redirects are followed (303 and 302 as GET, 307/308 keep the method); a 200 HTML page with a
    <form> is submitted by its method and action: its hidden fields, the user's email in an empty
    text field, the password in the password field, and the approving submit button (approve=False:
    the denying one). form_hook(url, form) may return the fields [(name, value)] to submit
    instead (None: the default filling). Dex's test CA is trusted, and the CA files in cafiles
    (our server's, for an HTTPS server). Cookies are kept across hops. trace (a list) receives
    (method, url, status) for each hop. Raises LoginError for anything else (an error page, a
    login form shown twice — wrong credentials —, too many hops)."""
    env = _env(env)
    u = env.user(user) if not isinstance(user, User) else user
    if password is not None:
        u = dataclasses.replace(u, password=password)
    if redirect_uri is None:
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize_url).query)
        if "redirect_uri" not in q:
            raise ValueError("authorize_url has no redirect_uri parameter: pass redirect_uri=")
        redirect_uri = q["redirect_uri"][0]
    stop = _endpoint(redirect_uri)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=env.ssl_context(*cafiles)),
                                         urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         _NoRedirect())
    trace = trace if trace is not None else []
    url, method, data = authorize_url, "GET", None
    password_forms = 0
    for _ in range(max_hops):
        if _endpoint(url) == stop:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)
            return {k: v[0] for k, v in query.items()}
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                                              "User-Agent": "mcpk-tests-follow-login"})
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            resp = opener.open(req, timeout=30)
        except urllib.error.HTTPError as e:
            resp = e
        with resp:
            status, headers, body = resp.getcode(), resp.headers, resp.read()
        trace.append((method, url, status))
        if status in (301, 302, 303, 307, 308) and headers.get("Location"):
            url = urllib.parse.urljoin(url, headers["Location"])
            if status not in (307, 308):
                method, data = "GET", None
            continue
        text = body.decode(errors="replace")
        # 200, or Dex's 401 when it shows its login form again after wrong credentials
        if status in (200, 401) and "html" in (headers.get("Content-Type") or "") and "<form" in text.lower():
            forms = parse_forms(text, url)
            form = next((f for f in forms if f.method == "POST"), forms[0])
            if status != 200 and not (form.has_password() and password_forms):
                raise LoginError(f"login walk stopped: HTTP {status} at {method} {url}\ntrace: {trace}\n{text[:1500]}")
            if form.has_password():
                password_forms += 1
                if password_forms > 1:
                    raise LoginError(f"the login form came back (wrong credentials for {u.email}?) at {url}:\n{text[:1500]}")
            fields = form_hook(url, form) if form_hook else None
            if fields is None:
                fields = fill_form(form, u, approve)
            encoded = urllib.parse.urlencode(list(fields))
            if form.method == "POST":
                url, method, data = form.action, "POST", encoded.encode()
            else:
                base = form.action.split("#", 1)[0].split("?", 1)[0]
                url, method, data = f"{base}?{encoded}", "GET", None
            continue
        raise LoginError(f"login walk stopped: HTTP {status} at {method} {url}\n"
                         f"trace: {trace}\n{text[:1500]}")
    raise LoginError(f"more than {max_hops} hops without reaching {redirect_uri}; trace: {trace}")


# --- the API server, as a token's user ---------------------------------------------------------

def _kube_target(cluster):
    kc = yaml.safe_load(pathlib.Path(cluster.kubeconfig).read_text())
    c = kc["clusters"][0]["cluster"]
    ctx = ssl.create_default_context(cadata=base64.b64decode(c["certificate-authority-data"]).decode())
    return c["server"], ctx


def kube_request(cluster, token, method, path, body=None, timeout=30):
    """Calls the test cluster's API server with `Authorization: Bearer token` (nothing else: no
    client certificate); returns (status, parsed JSON body or text)."""
    server, ctx = _kube_target(cluster)
    req = urllib.request.Request(server + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                          "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def whoami(cluster, token):
    """(status, userInfo) of a SelfSubjectReview made with the token (`kubectl auth whoami`)."""
    status, body = kube_request(cluster, token, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    return status, (body.get("status", {}).get("userInfo") if status == 201 and isinstance(body, dict) else body)


def wait_until(what, check, timeout=30.0, interval=0.3):
    """Polls check() until it returns a truthy value (returned) or raises AssertionError at timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


# --- fixtures (made visible to tests/e2e by its conftest) ---------------------------------------

@pytest.fixture(scope="session")
def oauth_env():
    """The Dex env file of MCPK_TEST_OAUTH_ENV; skips the test when there is none."""
    return require_env()


@pytest.fixture(scope="session")
def oauth_rbac(cluster, oauth_env):
    """Applies tests/oauth/rbac.yaml (as admin) and waits until the API server accepts Dex's ID
    tokens (its JWT authenticator starts asynchronously) and alice's binding is in effect."""
    cluster.kubectl("apply", "-f", str(ROOT / "tests" / "oauth" / "rbac.yaml"))
    token = dex_password_grant("alice", env=oauth_env)
    wait_until("the API server to accept Dex's ID tokens", lambda: whoami(cluster, token)[0] == 201)
    wait_until("alice's RBAC", lambda: kube_request(cluster, token, "GET", "/api/v1/pods?limit=1")[0] == 200)
    return oauth_env
