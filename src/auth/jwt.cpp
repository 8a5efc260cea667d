#include "auth/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include "auth/crypto.hpp"
#include "core/json.hpp"

namespace mcpk::auth {

/// One verification key of a set: the OpenSSL public key and the JWK members that select it.
struct Jwks::Key {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey;
  std::string kid;  ///< "" when the JWK has none
  std::string kty;  ///< "RSA" or "EC"
  std::string alg;  ///< "" when the JWK has none
};

namespace {

constexpr std::size_t kMaxJwtSize = 16 * 1024;
constexpr std::size_t kMaxJwksSize = 1024 * 1024;
constexpr int kMinRsaBits = 2048;

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

const unsigned char* bytes(std::string_view s) noexcept { return reinterpret_cast<const unsigned char*>(s.data()); }

Pkey no_key() { return Pkey(nullptr, EVP_PKEY_free); }

/// A compact-JWS part: base64url without padding.
Result<std::string> decode_part(std::string_view part) {
  if (part.find('=') != std::string_view::npos) return fail(Errc::invalid_argument, "padding");
  return base64url_decode(part);
}

Result<json::object> decode_object(std::string_view part, const char* what) {
  auto raw = decode_part(part);
  if (!raw) return fail(Errc::invalid_argument, std::string("invalid JWT: the ") + what + " is not base64url");
  auto value = parse_json(*raw, 32);
  if (!value || !value->is_object()) {
    return fail(Errc::invalid_argument, std::string("invalid JWT: the ") + what + " is not a JSON object");
  }
  return std::move(value->as_object());
}

/// Public key from OSSL_PARAMs (EVP_PKEY_fromdata), checked; nullptr when OpenSSL refuses it.
Pkey key_from_params(const char* type, ParamBld& bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return no_key();
  }
  Pkey pkey(raw, EVP_PKEY_free);
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return no_key();
  }
  return pkey;
}

Bignum bignum_member(const json::object& jwk, std::string_view name) {
  const auto* text = find_string(jwk, name);
  if (!text) return nullptr;
  auto raw = base64url_decode(*text);
  if (!raw || raw->empty() || raw->size() > 2048) return nullptr;
  return Bignum(BN_bin2bn(bytes(*raw), static_cast<int>(raw->size()), nullptr));
}

/// RSA from n and e (RFC 7518 §6.3.1); keys under 2048 bits are not used.
Pkey rsa_key(const json::object& jwk) {
  const auto n = bignum_member(jwk, "n");
  const auto e = bignum_member(jwk, "e");
  if (!n || !e || BN_num_bits(n.get()) < kMinRsaBits) return no_key();
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    ERR_clear_error();
    return no_key();
  }
  return key_from_params("RSA", bld);
}

/// EC P-256 from x and y (RFC 7518 §6.2.1), as the uncompressed point 04 ‖ x ‖ y.
Pkey ec_key(const json::object& jwk) {
  if (string_or(jwk, "crv") != "P-256") return no_key();
  const auto* x = find_string(jwk, "x");
  const auto* y = find_string(jwk, "y");
  if (!x || !y) return no_key();
  auto xb = base64url_decode(*x);
  auto yb = base64url_decode(*y);
  if (!xb || !yb || xb->size() != 32 || yb->size() != 32) return no_key();
  std::string point = "\x04" + *xb + *yb;
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    ERR_clear_error();
    return no_key();
  }
  return key_from_params("EC", bld);
}

/// A JWK as a key, or nullptr when it is of another type or use, or unusable.
std::shared_ptr<const Jwks::Key> make_key(const json::object& jwk) {
  if (const auto* use = find(jwk, "use"); use && !(use->is_string() && use->get_string() == "sig")) return nullptr;
  const std::string kty(string_or(jwk, "kty"));
  Pkey pkey = kty == "RSA" ? rsa_key(jwk) : kty == "EC" ? ec_key(jwk) : no_key();
  if (!pkey) return nullptr;
  return std::make_shared<const Jwks::Key>(
      Jwks::Key{std::move(pkey), std::string(string_or(jwk, "kid")), kty, std::string(string_or(jwk, "alg"))});
}

/// JWS R ‖ S (two 32-byte big-endian integers) as the DER ECDSA-Sig-Value OpenSSL verifies.
std::string ecdsa_der(std::string_view raw) {
  Bignum r(BN_bin2bn(bytes(raw), 32, nullptr));
  Bignum s(BN_bin2bn(bytes(raw) + 32, 32, nullptr));
  EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return {};
  (void)r.release();  // owned by sig now
  (void)s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

/// A NumericDate (RFC 7519 §2): seconds since the epoch, integer or not.
std::optional<double> numeric_date(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

}  // namespace

bool looks_like_jwt(std::string_view token) {
  if (token.empty() || token.size() > kMaxJwtSize || std::ranges::count(token, '.') != 2) return false;
  constexpr std::string_view kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  if (token.find_first_not_of(kChars) != std::string_view::npos) return false;
  return decode_object(token.substr(0, token.find('.')), "header").has_value();
}

Result<Jwt> parse_jwt(std::string_view token) {
  if (token.size() > kMaxJwtSize) return fail(Errc::invalid_argument, "invalid JWT: larger than 16 KiB");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(Errc::invalid_argument, "invalid JWT: not three dot-separated parts");
  }
  auto header = decode_object(token.substr(0, dot1), "header");
  if (!header) return std::unexpected(std::move(header.error()));
  auto claims = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
  if (!claims) return std::unexpected(std::move(claims.error()));
  auto signature = decode_part(token.substr(dot2 + 1));
  if (!signature) return fail(Errc::invalid_argument, "invalid JWT: the signature is not base64url");
  return Jwt{std::move(*header), std::move(*claims), std::string(token.substr(0, dot2)), std::move(*signature)};
}

Result<Jwks> Jwks::parse(std::string_view json_text) {
  if (json_text.size() > kMaxJwksSize) return fail(Errc::invalid_argument, "JWKS is larger than 1 MiB");
  auto doc = parse_json(json_text, 16);
  if (!doc) return fail(Errc::invalid_argument, "JWKS: " + doc.error().message);
  const auto* obj = doc->if_object();
  const auto* keys = obj ? find_array(*obj, "keys") : nullptr;
  if (!keys) return fail(Errc::invalid_argument, "JWKS is not an object with a \"keys\" array");
  Jwks set;
  for (const auto& v : *keys) {
    if (const auto* jwk = v.if_object()) {
      if (auto key = make_key(*jwk)) set.keys_.push_back(std::move(key));
    }
  }
  if (set.keys_.empty()) {
    return fail(Errc::invalid_argument, "JWKS has no usable signing key (RSA of 2048 bits or more, or EC P-256)");
  }
  return set;
}

Result<void> Jwks::verify(const Jwt& jwt) const {
  const auto* alg_value = find_string(jwt.header, "alg");
  if (!alg_value) return fail(Errc::invalid_argument, "invalid JWT: the header has no alg");
  const std::string_view alg = *alg_value;
  if (alg != "RS256" && alg != "ES256") {
    return fail(Errc::unauthenticated, "JWT signing algorithm is not accepted (only RS256 and ES256)");
  }
  // RFC 7515 §4.1.11: extensions marked critical must be understood; we understand none.
  if (find(jwt.header, "crit")) return fail(Errc::unauthenticated, "JWT header has critical extensions (crit)");
  const std::string_view kty = alg == "RS256" ? "RSA" : "EC";

  const Key* key = nullptr;
  if (const auto* kid_value = find(jwt.header, "kid")) {
    if (!kid_value->is_string()) return fail(Errc::invalid_argument, "invalid JWT: kid is not a string");
    const std::string_view kid = kid_value->get_string();
    const auto it = std::ranges::find_if(keys_, [&](const auto& k) { return k->kid == kid && k->kty == kty; });
    if (it != keys_.end()) key = it->get();
    if (!key)
      return fail(Errc::unauthenticated, "JWT names a key (kid) the key set has no " + std::string(kty) + " key for");
  } else {
    const auto matching = std::ranges::count_if(keys_, [&](const auto& k) { return k->kty == kty; });
    if (matching != 1) {
      return fail(Errc::unauthenticated,
                  "JWT has no kid and the key set has " + std::to_string(matching) + " " + std::string(kty) + " keys");
    }
    key = std::ranges::find_if(keys_, [&](const auto& k) { return k->kty == kty; })->get();
  }
  if (!key->alg.empty() && key->alg != alg) {
    return fail(Errc::unauthenticated, "JWT alg does not match the alg of the key it names");
  }

  std::string der;
  std::string_view signature = jwt.signature;
  if (alg == "ES256") {
    if (signature.size() != 64) return fail(Errc::unauthenticated, "JWT signature is invalid (ES256 needs 64 bytes)");
    der = ecdsa_der(signature);
    if (der.empty()) {
      ERR_clear_error();
      return fail(Errc::unauthenticated, "JWT signature is invalid");
    }
    signature = der;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  const bool ok = ctx && !signature.empty() &&
                  EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->pkey.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(jwt.signing_input),
                                   jwt.signing_input.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return fail(Errc::unauthenticated, "JWT signature is invalid");
  }
  return {};
}

std::size_t Jwks::size() const { return keys_.size(); }

bool Jwks::has_kid(std::string_view kid) const {
  return std::ranges::any_of(keys_, [&](const auto& k) { return k->kid == kid; });
}

Result<void> check_claims(const Jwt& jwt, const JwtExpectations& expect) {
  const auto& claims = jwt.claims;
  const auto* iss = find_string(claims, "iss");
  if (!iss) return fail(Errc::unauthenticated, "JWT has no iss claim");
  if (*iss != expect.issuer) return fail(Errc::unauthenticated, "JWT iss claim is not the expected issuer");

  const auto ours = [&](const json::value& v) {
    return v.is_string() &&
           std::ranges::find(expect.audiences, std::string_view(v.get_string())) != expect.audiences.end();
  };
  const auto* aud = find(claims, "aud");
  if (!aud) return fail(Errc::unauthenticated, "JWT has no aud claim");
  const bool aud_ok = aud->is_array() ? std::ranges::any_of(aud->get_array(), ours) : ours(*aud);
  if (!aud_ok) return fail(Errc::unauthenticated, "JWT aud claim does not name this client");

  const double now = std::chrono::duration<double>(expect.now.time_since_epoch()).count();
  const double leeway = std::chrono::duration<double>(expect.leeway).count();
  const auto* exp_value = find(claims, "exp");
  if (!exp_value) return fail(Errc::unauthenticated, "JWT has no exp claim");
  const auto exp = numeric_date(*exp_value);
  if (!exp) return fail(Errc::unauthenticated, "JWT exp claim is not a number");
  if (now > *exp + leeway) return fail(Errc::unauthenticated, "JWT has expired (exp)");
  if (const auto* nbf_value = find(claims, "nbf")) {
    const auto nbf = numeric_date(*nbf_value);
    if (!nbf) return fail(Errc::unauthenticated, "JWT nbf claim is not a number");
    if (now + leeway < *nbf) return fail(Errc::unauthenticated, "JWT is not valid yet (nbf)");
  }
  if (const auto* iat_value = find(claims, "iat")) {
    const auto iat = numeric_date(*iat_value);
    if (!iat) return fail(Errc::unauthenticated, "JWT iat claim is not a number");
    if (*iat > now + leeway) return fail(Errc::unauthenticated, "JWT was issued in the future (iat)");
  }
  return {};
}

std::int64_t expiry_of(const Jwt& jwt) {
  const auto* v = find(jwt.claims, "exp");
  const auto exp = v ? numeric_date(*v) : std::nullopt;
  if (!exp || *exp <= 0) return 0;
  if (*exp >= static_cast<double>(std::numeric_limits<std::int64_t>::max()))
    return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(*exp);
}

}  // namespace mcpk::auth
