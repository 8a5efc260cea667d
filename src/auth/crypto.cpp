#include "auth/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>
#include <memory>
#include <stdexcept>

#include "core/base64.hpp"

namespace mcpk::auth {
namespace {

constexpr std::string_view kSealPrefix = "v1.";
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* bytes(std::string_view s) noexcept { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) noexcept { return reinterpret_cast<unsigned char*>(s.data()); }

/// A size OpenSSL's int-length APIs can take.
bool fits_int(std::size_t n) noexcept { return n <= static_cast<std::size_t>(INT_MAX); }

/// Not inlined on purpose: when g++ 12 knows a string's size is 32 it reports the move that
/// follows as overflowing the small-string buffer (-Warray-bounds, -Wstringop-overflow: a false
/// positive in a branch never taken).
[[gnu::noinline]] bool is_key_size(const std::string& key) noexcept { return key.size() == kKeySize; }

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  std::size_t done = 0;
  while (done < n) {
    const std::size_t chunk = std::min<std::size_t>(n - done, 1 << 20);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), static_cast<int>(chunk)) != 1) {
      ERR_clear_error();
      throw std::runtime_error("RAND_bytes failed: the OpenSSL random generator is not seeded");
    }
    done += chunk;
  }
  return out;
}

std::string random_token(std::size_t n) { return base64url_encode(random_bytes(n)); }

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), bytes(out), &len, EVP_sha256(), nullptr) != 1 || len != out.size()) {
    ERR_clear_error();
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

std::string sha256_b64url(std::string_view data) { return base64url_encode(sha256(data)); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  const bool same_length = a.size() == b.size();
  // Different lengths still compare a whole buffer, so timing depends on lengths only.
  const std::string_view other = same_length ? b : a;
  return CRYPTO_memcmp(a.data(), other.data(), a.size()) == 0 && same_length;
}

Result<Sealer> Sealer::create(std::string key) {
  if (!is_key_size(key)) {
    return fail(Errc::invalid_argument,
                "encryption key must be " + std::to_string(kKeySize) + " bytes, got " + std::to_string(key.size()));
  }
  return Sealer(std::move(key));
}

Result<Sealer> Sealer::from_base64(std::string_view key_b64) {
  auto key = base64_decode(key_b64);
  if (!key) return fail(Errc::invalid_argument, "encryption key is not valid base64");
  if (!is_key_size(*key)) {
    const auto size = key->size();
    OPENSSL_cleanse(key->data(), key->size());
    return fail(Errc::invalid_argument,
                "encryption key must be base64 of exactly 32 bytes, it decodes to " + std::to_string(size) + " bytes");
  }
  return Sealer(std::move(*key));
}

std::string Sealer::seal(std::string_view plain, std::string_view aad) const {
  if (!fits_int(plain.size()) || !fits_int(aad.size())) throw std::length_error("Sealer::seal: input too large");
  std::string out = random_bytes(kNonceSize);
  out.resize(kNonceSize + plain.size() + kTagSize);
  auto* cipher = reinterpret_cast<unsigned char*>(out.data() + kNonceSize);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_), bytes(out)) == 1;
  if (ok && !aad.empty())
    ok = EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1;
  int total = 0;
  if (ok && !plain.empty()) {
    ok = EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes(plain), static_cast<int>(plain.size())) == 1;
    total = len;
  }
  if (ok)
    ok = EVP_EncryptFinal_ex(ctx.get(), cipher + total, &len) == 1 && total + len == static_cast<int>(plain.size());
  if (ok) {
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize), cipher + plain.size()) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return std::string(kSealPrefix) + base64url_encode(out);
}

Result<std::string> Sealer::open(std::string_view sealed, std::string_view aad) const {
  if (!sealed.starts_with(kSealPrefix)) return fail(Errc::invalid_argument, "sealed value has an unknown format");
  auto raw = base64url_decode(sealed.substr(kSealPrefix.size()));
  if (!raw) return fail(Errc::invalid_argument, "sealed value is not valid base64url");
  if (raw->size() < kNonceSize + kTagSize) return fail(Errc::invalid_argument, "sealed value is truncated");
  if (!fits_int(raw->size()) || !fits_int(aad.size())) return fail(Errc::too_large, "sealed value is too large");

  const std::string_view all(*raw);
  const auto nonce = all.substr(0, kNonceSize);
  const auto cipher = all.substr(kNonceSize, all.size() - kNonceSize - kTagSize);
  std::string tag(all.substr(all.size() - kTagSize));
  std::string plain(cipher.size(), '\0');

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key_), bytes(nonce)) == 1;
  if (ok && !aad.empty())
    ok = EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1;
  int total = 0;
  if (ok && !cipher.empty()) {
    ok = EVP_DecryptUpdate(ctx.get(), bytes(plain), &len, bytes(cipher), static_cast<int>(cipher.size())) == 1;
    total = len;
  }
  if (ok) ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag.data()) == 1;
  if (ok) ok = EVP_DecryptFinal_ex(ctx.get(), bytes(plain) + total, &len) == 1;
  if (!ok) {
    ERR_clear_error();
    OPENSSL_cleanse(plain.data(), plain.size());
    return fail(Errc::unauthenticated, "sealed value cannot be opened: wrong key, other aad, or tampered");
  }
  return plain;
}

}  // namespace mcpk::auth
