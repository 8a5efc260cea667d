/// @file
/// @brief The OAuth 2.1 authorization server for MCP clients (SPEC §4.3), in front of an
/// upstream OIDC provider: metadata (RFC 9728, RFC 8414), dynamic registration (RFC 7591) and
/// client ID metadata documents, /oauth/authorize with a consent page, the upstream login and
/// its callback, /oauth/token (codes and rotating refresh tokens, with reuse detection),
/// /oauth/revoke (RFC 7009), and the middleware that turns a Bearer on /mcp into the caller.
///
/// Access and refresh tokens are opaque random strings of ours, stored by hash and bound to
/// this server's resource: the IdP's own tokens are never accepted as ours (only, with
/// --oauth-trusted-audiences, a verified IdP ID token for one of those audiences), and never
/// reach a client. With downstream OAuth the caller carries a credential that yields the
/// user's own ID token (one per user in the store, refreshed by one replica at a time).
///
/// Threading: the io_context's thread; state lives in the Store, so replicas share it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/crypto.hpp"
#include "auth/model.hpp"
#include "auth/redirect_uri.hpp"
#include "auth/store.hpp"
#include "auth/upstream.hpp"
#include "transport/router.hpp"

namespace mcpk::auth {

struct AuthOptions {
  std::string issuer;         ///< --oauth-base-url, without a trailing slash
  std::string endpoint_path;  ///< the MCP endpoint ("/mcp"); the resource is issuer + path
  UpstreamConfig upstream;
  std::string registration_token;  ///< empty: no token accepted
  bool allow_public_registration = false;
  std::vector<std::string> trusted_schemes;  ///< --trusted-public-registration-schemes
  bool strict_scheme_matching = true;
  int max_clients_per_ip = 10;  ///< registrations per IP address per hour
  bool allow_without_state = false;
  RedirectPolicy redirect{};
  bool enable_cimd = true;
  bool cimd_allow_private = false;
  Seconds access_ttl{3600};
  Seconds refresh_ttl{720 * 3600};
  bool downstream = false;                     ///< callers carry their own ID token
  std::vector<std::string> trusted_audiences;  ///< SSO token forwarding
  // Rate limits (fixed one-minute windows, shared through the store).
  int oauth_per_ip_per_minute = 120;
  int mcp_per_user_per_minute = 1200;
};

class AuthServer : public std::enable_shared_from_this<AuthServer> {
 public:
  using Params = std::map<std::string, std::string>;

  AuthServer(net::any_io_executor executor, AuthOptions options, StorePtr store, Sealer sealer);

  /// The resource identifier (RFC 8707/9728): issuer + MCP endpoint path.
  const std::string& resource() const { return resource_; }
  /// Adds /.well-known/* and /oauth/* to `router`.
  void add_routes(transport::Router& router);
  /// For the MCP endpoint: a request without a valid access token gets 401 with the
  /// WWW-Authenticate challenge; with one, the exchange's caller becomes the token's user.
  transport::Middleware authenticate();

  /// The user's current ID token for the API server, refreshed through the upstream refresh
  /// token when it expires within a minute (one replica at a time: a lock in the store).
  Task<Result<std::string>> user_id_token(std::string user_key);

 private:
  using Exchange = transport::Exchange;
  using Reply = transport::Reply;

  // server.cpp: metadata and shared helpers
  Task<Reply> protected_resource_metadata(Exchange& x);
  Task<Reply> authorization_server_metadata(Exchange& x);
  Task<std::optional<Reply>> rate_limited(Exchange& x, std::string what, std::string who, int limit);
  Reply oauth_error(Exchange& x, unsigned status, std::string_view error, std::string_view description) const;
  Reply html_error(Exchange& x, unsigned status, std::string_view title, std::string_view detail) const;
  Reply redirect(Exchange& x, const std::string& location) const;
  void audit(std::string_view event, const Exchange& x, std::string_view client_id, std::string_view user,
             std::string_view outcome) const;

  // registration.cpp: clients
  Task<Reply> register_client(Exchange& x);
  /// A registered client, or — with CIMD — the one an https client_id's document describes.
  Task<Result<ClientRecord>> find_client(std::string client_id);
  Task<Result<ClientRecord>> fetch_metadata_document(std::string client_id);

  // authorize.cpp: authorization, consent, upstream login, callback
  Task<Reply> authorize(Exchange& x);
  Task<Reply> consent(Exchange& x);
  Task<Reply> callback(Exchange& x);
  Reply redirect_to_client(Exchange& x, const std::string& redirect_uri, const Params& params) const;

  // token.cpp: tokens and revocation
  Task<Reply> token(Exchange& x);
  Task<Reply> revoke(Exchange& x);
  Task<Result<ClientRecord>> authenticate_client(Exchange& x, const Params& form);
  Task<Reply> redeem_code(Exchange& x, const ClientRecord& client, const Params& form);
  Task<Reply> refresh_grant(Exchange& x, const ClientRecord& client, const Params& form);
  Task<Result<json::object>> issue_tokens(Grant grant, bool new_family);
  Task<void> revoke_family(std::string family, std::string reason, std::string client_id);
  /// A code or refresh token that is no longer stored: when `used_key` says it was redeemed
  /// before, this is reuse, and the grant it belongs to is revoked (audited as `event`).
  Task<void> revoke_if_reused(Exchange& x, std::string used_key, std::string what, std::string event,
                              std::string client_id);
  /// 200 with `body` and the caching headers of RFC 6749 §5.1.
  static Reply token_reply(Exchange& x, const json::object& body);
  Task<Result<void>> store_upstream(const User& user, const UpstreamTokens& tokens);

  // authenticate.cpp: Bearer → caller
  Task<Reply> check_bearer(Exchange& x, const transport::Handler& next);
  Reply challenge(Exchange& x, std::string_view error, std::string_view description) const;

  net::any_io_executor executor_;
  AuthOptions options_;
  std::string resource_;
  std::string issuer_origin_;  ///< scheme://host[:port] of the issuer, as browsers send Origin
  StorePtr store_;
  Sealer sealer_;
  Upstream upstream_;
};

/// Parses a query string or a form body: refuses a repeated parameter (RFC 6749 §3.1), more
/// than 64 parameters, and bad percent-encoding.
Result<std::map<std::string, std::string>> parse_params(std::string_view query);
/// The value of parameter `key`, or "" when it is absent.
std::string param(const std::map<std::string, std::string>& params, const std::string& key);

/// Why a POSTed form was refused, and the HTTP status to answer with.
struct FormError {
  unsigned status;
  std::string message;
};
/// The form a POST to an OAuth endpoint carries: refused when the request is not
/// application/x-www-form-urlencoded (415), larger than 16 KiB (413) or malformed (400).
std::expected<std::map<std::string, std::string>, FormError> read_form(const transport::Request& req);

/// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

}  // namespace mcpk::auth
