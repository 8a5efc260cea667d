/// @file
/// @brief The server as an OIDC client of the upstream identity provider (Dex by default, or
/// Google): discovery, the authorization URL (PKCE S256 and a nonce upstream too), the code
/// exchange and refresh at the token endpoint, and ID-token verification against the
/// provider's JWKS. The provider-specific parts are plain data (`provider_profile`), so that
/// Google — which cannot be reached from the test bed — runs the same code as Dex.
///
/// Threading: the io_context's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/jwt.hpp"
#include "core/async.hpp"
#include "core/error.hpp"

namespace mcpk::auth {

struct UpstreamConfig {
  std::string provider = "dex";  ///< dex | google
  std::string issuer;
  std::string client_id;
  std::string client_secret;
  std::string connector_id;            ///< dex: skip the connector chooser
  std::string k8s_audience_client_id;  ///< dex: ask for this client's audience too
  std::string ca_file;
  std::string redirect_uri;  ///< <base>/oauth/callback
  bool allow_private = false;
};

/// What differs between providers.
struct ProviderProfile {
  std::vector<std::string> scopes;
  std::vector<std::pair<std::string, std::string>> authorize_params;  ///< added to the authorization URL
  bool has_groups = false;
};
ProviderProfile provider_profile(const UpstreamConfig& config);

struct UpstreamTokens {
  std::string id_token;
  std::string refresh_token;   ///< may be empty (then the ID token cannot be renewed)
  std::int64_t id_expiry = 0;  ///< the ID token's exp (seconds since the epoch)
};

/// Who the ID token names.
struct Identity {
  std::string issuer;
  std::string subject;
  std::string email;
  std::vector<std::string> groups;
  std::vector<std::string> audiences;
  std::int64_t expiry = 0;
  /// "<issuer>#<subject>": the caller key.
  std::string key() const { return issuer + "#" + subject; }
};

class Upstream {
 public:
  Upstream(net::any_io_executor executor, UpstreamConfig config);

  /// The provider's authorization URL for one login.
  Task<Result<std::string>> authorization_url(std::string state, std::string nonce, std::string code_challenge);
  /// Exchanges the code from the callback; verifies the ID token (nonce included).
  Task<Result<std::pair<UpstreamTokens, Identity>>> exchange_code(std::string code, std::string verifier,
                                                                  std::string nonce);
  /// Renews the ID token; the provider may rotate the refresh token (Dex does, single use).
  Task<Result<std::pair<UpstreamTokens, Identity>>> refresh(std::string refresh_token);
  /// Checks an ID token's signature (the JWKS is refetched once for an unknown kid), issuer,
  /// one of `audiences`, expiry and — when non-empty — nonce.
  Task<Result<Identity>> verify_id_token(std::string token, std::vector<std::string> audiences, std::string nonce);

  const UpstreamConfig& config() const { return config_; }

 private:
  struct Endpoints {
    std::string authorization, token, jwks;
  };
  Task<Result<Endpoints>> endpoints();
  Task<Result<std::shared_ptr<const Jwks>>> jwks(bool refetch);
  Task<Result<std::pair<UpstreamTokens, Identity>>> token_request(std::vector<std::pair<std::string, std::string>> form,
                                                                  std::string nonce, std::string what);

  net::any_io_executor executor_;
  UpstreamConfig config_;
  std::optional<Endpoints> endpoints_;
  std::shared_ptr<const Jwks> jwks_;
  std::chrono::steady_clock::time_point jwks_fetched_{};
};

/// Identity from verified claims (email, groups; the "oidc:" prefixing is the API server's).
Identity identity_from_claims(const Jwt& jwt);

}  // namespace mcpk::auth
