/// @file
/// @brief The cryptography OAuth needs, on OpenSSL 3: random tokens, SHA-256 (token hashes as
/// store keys, PKCE S256), base64url, constant-time comparison, and AES-256-GCM sealing of
/// upstream tokens at rest.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base64.hpp"  // base64url_encode, base64url_decode
#include "core/error.hpp"

namespace mcpk::auth {

/// `n` bytes from the OS's CSPRNG (RAND_bytes); throws only if OpenSSL cannot seed.
std::string random_bytes(std::size_t n);
/// A fresh unguessable token: base64url (no padding) of `bytes` random bytes.
std::string random_token(std::size_t bytes = 32);

/// SHA-256 digest (32 raw bytes).
std::string sha256(std::string_view data);
/// base64url(SHA-256(data)), no padding: PKCE S256 (RFC 7636 §4.2) and token-hash store keys.
std::string sha256_b64url(std::string_view data);

/// Compares in time independent of where the inputs differ (CRYPTO_memcmp); different lengths
/// are unequal.
bool constant_time_equal(std::string_view a, std::string_view b);

/// AES-256-GCM with a fresh 96-bit nonce per message. Sealed text:
/// "v1." + base64url(nonce ‖ ciphertext ‖ tag). `aad` binds a sealed value to its use (e.g.
/// the user it belongs to): opening with another aad fails.
class Sealer {
 public:
  /// `key` is exactly 32 raw bytes.
  static Result<Sealer> create(std::string key);
  /// From the --oauth-encryption-key form: standard base64 of exactly 32 bytes.
  static Result<Sealer> from_base64(std::string_view key_b64);

  std::string seal(std::string_view plain, std::string_view aad) const;
  /// Fails (never throws) on a wrong key, a changed aad, or any tampering.
  Result<std::string> open(std::string_view sealed, std::string_view aad) const;

 private:
  explicit Sealer(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace mcpk::auth
