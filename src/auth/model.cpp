#include "auth/model.hpp"

#include "auth/crypto.hpp"
#include "core/json.hpp"

namespace mcpk::auth {
namespace {

std::string str(const json::object& o, std::string_view k) { return std::string(string_or(o, k)); }

std::vector<std::string> strings(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  if (const auto* a = find_array(o, k)) {
    for (const auto& v : *a) {
      if (v.is_string()) out.emplace_back(v.as_string());
    }
  }
  return out;
}

json::array array_of(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

Result<json::object> object_from(std::string_view text) {
  auto v = parse_json(text);
  if (!v || !v->is_object()) return fail(Errc::internal, "a stored OAuth record is not a JSON object");
  return std::move(v->as_object());
}

}  // namespace

std::string key_hash(std::string_view secret) { return sha256_b64url(secret); }

json::value to_json_value(const User& u) {
  return json::object{{"key", u.key}, {"sub", u.subject}, {"email", u.email}, {"groups", array_of(u.groups)}};
}

Result<User> user_from(const json::value& v) {
  if (!v.is_object()) return fail(Errc::internal, "a stored user is not an object");
  const auto& o = v.as_object();
  User u{str(o, "key"), str(o, "sub"), str(o, "email"), strings(o, "groups")};
  if (u.key.empty()) return fail(Errc::internal, "a stored user has no key");
  return u;
}

json::value to_json_value(const ClientRecord& c) {
  return json::object{{"client_id", c.client_id},
                      {"secret_hash", c.secret_hash},
                      {"auth_method", c.auth_method},
                      {"name", c.name},
                      {"redirect_uris", array_of(c.redirect_uris)},
                      {"issued_at", c.issued_at},
                      {"cimd", c.metadata_document}};
}

Result<ClientRecord> client_from(std::string_view text) {
  auto o = object_from(text);
  if (!o) return std::unexpected(o.error());
  ClientRecord c;
  c.client_id = str(*o, "client_id");
  c.secret_hash = str(*o, "secret_hash");
  c.auth_method = str(*o, "auth_method");
  c.name = str(*o, "name");
  c.redirect_uris = strings(*o, "redirect_uris");
  c.issued_at = find_int(*o, "issued_at").value_or(0);
  c.metadata_document = find_bool(*o, "cimd").value_or(false);
  return c;
}

json::value to_json_value(const AuthRequest& r) {
  return json::object{{"client_id", r.client_id},
                      {"client_name", r.client_name},
                      {"redirect_uri", r.redirect_uri},
                      {"state", r.state},
                      {"code_challenge", r.code_challenge},
                      {"scope", r.scope},
                      {"resource", r.resource},
                      {"upstream_verifier", r.upstream_verifier},
                      {"nonce", r.nonce}};
}

Result<AuthRequest> auth_request_from(std::string_view text) {
  auto o = object_from(text);
  if (!o) return std::unexpected(o.error());
  return AuthRequest{str(*o, "client_id"), str(*o, "client_name"),       str(*o, "redirect_uri"),
                     str(*o, "state"),     str(*o, "code_challenge"),    str(*o, "scope"),
                     str(*o, "resource"),  str(*o, "upstream_verifier"), str(*o, "nonce")};
}

json::value to_json_value(const Grant& g) {
  return json::object{{"family", g.family},
                      {"client_id", g.client_id},
                      {"scope", g.scope},
                      {"resource", g.resource},
                      {"user", to_json_value(g.user)},
                      {"exp", g.expires_at},
                      {"redirect_uri", g.redirect_uri},
                      {"code_challenge", g.code_challenge}};
}

Result<Grant> grant_from(std::string_view text) {
  auto o = object_from(text);
  if (!o) return std::unexpected(o.error());
  Grant g;
  g.family = str(*o, "family");
  g.client_id = str(*o, "client_id");
  g.scope = str(*o, "scope");
  g.resource = str(*o, "resource");
  const auto* user = find(*o, "user");
  if (!user) return fail(Errc::internal, "a stored grant has no user");
  auto u = user_from(*user);
  if (!u) return std::unexpected(u.error());
  g.user = std::move(*u);
  g.expires_at = find_int(*o, "exp").value_or(0);
  g.redirect_uri = str(*o, "redirect_uri");
  g.code_challenge = str(*o, "code_challenge");
  return g;
}

}  // namespace mcpk::auth
