/// @file
/// @brief The records the authorization server keeps in its store, and their keys. A key
/// never holds a token or a code: it holds base64url(SHA-256(secret)). Records are JSON; the
/// only secrets in them (a user's upstream tokens) are sealed with AES-256-GCM.
///
///   client:<client_id>       a registered client (its secret as a hash)
///   authreq:<id>             an authorization request awaiting consent       (10 min)
///   login:<h(state)>         a consented request awaiting the upstream login  (10 min)
///   code:<h(code)>           an authorization code                           (5 min, single use)
///   code-used:<h(code)>      a redeemed code → its family                    (reuse revokes it)
///   fam:<family>             a grant: one login of one user for one client    (refresh TTL)
///   at:<h(token)>            an access token                                 (access TTL)
///   rt:<h(token)>            a refresh token                                 (refresh TTL, single use)
///   rt-used:<h(token)>       a rotated refresh token → its family            (reuse revokes it)
///   up:<h(user)>             the user's upstream tokens, sealed; one per user (refresh TTL)
///   upuser:<h(user)>         the user's identity as of the last upstream sign-in (refresh TTL)
///   uplock:<h(user)>         who refreshes the upstream tokens now          (30 s)
///   cimd:<h(client_id)>      a fetched client ID metadata document           (cached)
///   rl:<what>:<h(who)>       rate-limit counters
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace mcpk::auth {

namespace json = boost::json;

/// The user a grant belongs to.
struct User {
  std::string key;  ///< "<issuer>#<subject>"
  std::string subject;
  std::string email;
  std::vector<std::string> groups;
};

struct ClientRecord {
  std::string client_id;
  std::string secret_hash;  ///< empty: a public client (token_endpoint_auth_method "none")
  std::string auth_method = "none";
  std::string name;
  std::vector<std::string> redirect_uris;
  std::int64_t issued_at = 0;
  bool metadata_document = false;  ///< from a client ID metadata document (not registered)
};

/// An authorization request, from /oauth/authorize to the code.
struct AuthRequest {
  std::string client_id;
  std::string client_name;
  std::string redirect_uri;
  std::string state;
  std::string code_challenge;
  std::string scope;
  std::string resource;
  // Set when the user consented and the upstream login began.
  std::string upstream_verifier;
  std::string nonce;
};

/// What an authorization code, an access token and a refresh token stand for.
struct Grant {
  std::string family;
  std::string client_id;
  std::string scope;
  std::string resource;
  User user;
  std::int64_t expires_at = 0;  ///< access tokens: seconds since the epoch
  // Codes only.
  std::string redirect_uri;
  std::string code_challenge;
};

json::value to_json_value(const User& u);
json::value to_json_value(const ClientRecord& c);
json::value to_json_value(const AuthRequest& r);
json::value to_json_value(const Grant& g);

Result<User> user_from(const json::value& v);
Result<ClientRecord> client_from(std::string_view text);
Result<AuthRequest> auth_request_from(std::string_view text);
Result<Grant> grant_from(std::string_view text);

/// base64url(SHA-256(secret)): the store key part for a token, code or state.
std::string key_hash(std::string_view secret);

}  // namespace mcpk::auth
