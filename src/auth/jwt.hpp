/// @file
/// @brief JSON Web Tokens as an OIDC client checks them: parse (RFC 7519), JWKS (RFC 7517) to
/// OpenSSL keys, signature check for RS256 and ES256 only (never `none`, never HS*), and the
/// claims an ID token must satisfy (iss exact, aud contains one of ours, exp/nbf/iat with leeway).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace mcpk::auth {

namespace json = boost::json;

struct Jwt {
  json::object header;
  json::object claims;
  std::string signing_input;  ///< "<b64 header>.<b64 payload>", what the signature covers
  std::string signature;      ///< raw bytes (for ES256: R ‖ S, 64 bytes, as JWS sends it)
};

/// True when `token` has the shape of a compact JWS (three base64url parts, the first decoding
/// to a JSON object): cheap, no verification.
bool looks_like_jwt(std::string_view token);
/// Splits and decodes a compact JWS; at most 16 KiB. Fails on any malformed part.
Result<Jwt> parse_jwt(std::string_view token);

/// A key set (RFC 7517), as fetched from the IdP's `jwks_uri`. Keys of other types or uses
/// are skipped; RSA (n, e) and EC P-256 (x, y) are kept.
class Jwks {
 public:
  static Result<Jwks> parse(std::string_view json_text);
  /// Checks the signature with the key named by the header's `kid` (or the only key of a
  /// matching type when there is no kid). Only RS256 and ES256; the key's own `alg`, when it
  /// has one, must match the header's.
  Result<void> verify(const Jwt& jwt) const;
  std::size_t size() const;
  /// True when a key with this kid is present (a token naming an unknown kid triggers one
  /// refetch of the set).
  bool has_kid(std::string_view kid) const;

  struct Key;

 private:
  std::vector<std::shared_ptr<const Key>> keys_;
};

struct JwtExpectations {
  std::string issuer;                  ///< `iss` must equal this exactly
  std::vector<std::string> audiences;  ///< `aud` (string or array) must contain one of these
  std::chrono::seconds leeway{60};
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

/// Checks the registered claims (not the signature): iss, aud, exp (required), nbf and iat
/// (when present, with leeway). The error says which claim failed, never the token.
Result<void> check_claims(const Jwt& jwt, const JwtExpectations& expect);

/// Seconds since the epoch of `exp`, or 0 when absent.
std::int64_t expiry_of(const Jwt& jwt);

}  // namespace mcpk::auth
