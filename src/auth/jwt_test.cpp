#include "auth/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/serialize.hpp>

#include "auth/crypto.hpp"
#include "core/json.hpp"

namespace mcpk::auth {
namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

struct Keys {
  Pkey rsa{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)), EVP_PKEY_free};
  Pkey rsa2{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)), EVP_PKEY_free};
  Pkey ec{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free};
};

/// Generated once: RSA key generation takes a while.
const Keys& keys() {
  static const Keys k{};
  return k;
}

std::string b64(const std::string& s) { return base64url_encode(s); }

/// Test-only JWS signer: RS256 (PKCS#1 v1.5) or ES256 (DER from OpenSSL turned into R ‖ S).
std::string sign(EVP_PKEY* key, std::string_view alg, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()), 1);
  std::string sig(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()), 1);
  sig.resize(len);
  if (alg != "ES256") return sig;
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> der(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())),
                                                            ECDSA_SIG_free);
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  EXPECT_EQ(BN_bn2binpad(ECDSA_SIG_get0_r(der.get()), out, 32), 32);
  EXPECT_EQ(BN_bn2binpad(ECDSA_SIG_get0_s(der.get()), out + 32, 32), 32);
  return raw;
}

std::string token(const json::object& header, const json::object& claims, EVP_PKEY* key) {
  const auto input = b64(json::serialize(header)) + "." + b64(json::serialize(claims));
  return input + "." + b64(sign(key, string_or(header, "alg"), input));
}

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

/// The public JWK of a key; `extra` members (kid, alg, use) are added.
json::object jwk(EVP_PKEY* key, json::object extra = {}) {
  json::object k = std::move(extra);
  if (EVP_PKEY_is_a(key, "RSA")) {
    k["kty"] = "RSA";
    k["n"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_N));
    k["e"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_E));
  } else {
    unsigned char pub[65];
    std::size_t len = 0;
    EXPECT_EQ(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len), 1);
    EXPECT_EQ(len, 65u);
    const std::string point(reinterpret_cast<const char*>(pub), len);
    k["kty"] = "EC";
    k["crv"] = "P-256";
    k["x"] = b64(point.substr(1, 32));
    k["y"] = b64(point.substr(33, 32));
  }
  return k;
}

std::string jwks_of(std::initializer_list<json::object> ks) {
  json::array a;
  for (const auto& k : ks) a.push_back(k);
  return json::serialize(json::object{{"keys", std::move(a)}});
}

/// The usual set: RSA "r1" and EC "e1".
Jwks standard_set() {
  return Jwks::parse(jwks_of({jwk(keys().rsa.get(), {{"kid", "r1"}, {"use", "sig"}}),
                              jwk(keys().ec.get(), {{"kid", "e1"}, {"alg", "ES256"}})}))
      .value();
}

const json::object kClaims{{"iss", "https://idp"}, {"aud", "client"}, {"sub", "u1"}, {"exp", 2000000000}};

Result<void> verify_token(const Jwks& set, const std::string& t) {
  auto jwt = parse_jwt(t);
  if (!jwt) return std::unexpected(jwt.error());
  return set.verify(*jwt);
}

}  // namespace

TEST(Jwks, ParsesRsaAndEcKeys) {
  const auto set = standard_set();
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.has_kid("r1"));
  EXPECT_TRUE(set.has_kid("e1"));
  EXPECT_FALSE(set.has_kid("x"));
}

TEST(Jwks, SkipsOtherTypesUsesAndCurves) {
  auto ec = jwk(keys().ec.get(), {{"kid", "p384"}});
  ec["crv"] = "P-384";
  auto bad_point = jwk(keys().ec.get(), {{"kid", "off-curve"}});
  bad_point["y"] = b64(std::string(32, '\x01'));
  const auto set =
      Jwks::parse(jwks_of({
                      jwk(keys().rsa.get(), {{"kid", "r1"}}),
                      jwk(keys().rsa2.get(), {{"kid", "enc"}, {"use", "enc"}}),
                      json::object{{"kty", "oct"}, {"kid", "h"}, {"k", "c2VjcmV0"}},
                      json::object{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}},
                      json::object{{"kty", "RSA"}, {"kid", "no-n"}, {"e", "AQAB"}},
                      json::object{{"kty", "RSA"}, {"kid", "small"}, {"n", b64("\xc1\x01")}, {"e", "AQAB"}},
                      ec,
                      bad_point,
                  }))
          .value();
  EXPECT_EQ(set.size(), 1u);
  EXPECT_TRUE(set.has_kid("r1"));
  EXPECT_FALSE(set.has_kid("enc"));
  EXPECT_FALSE(set.has_kid("off-curve"));
}

TEST(Jwks, RefusesMalformedSets) {
  EXPECT_FALSE(Jwks::parse("not json"));
  EXPECT_FALSE(Jwks::parse("[]"));
  EXPECT_FALSE(Jwks::parse(R"({"keys": {}})"));
  EXPECT_FALSE(Jwks::parse(R"({"keys": []})"));
  const auto r = Jwks::parse(R"({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST(Jwks, VerifiesRs256AndEs256) {
  const auto set = standard_set();
  EXPECT_TRUE(verify_token(set, token({{"alg", "RS256"}, {"kid", "r1"}, {"typ", "JWT"}}, kClaims, keys().rsa.get())));
  EXPECT_TRUE(verify_token(set, token({{"alg", "ES256"}, {"kid", "e1"}}, kClaims, keys().ec.get())));
}

TEST(Jwks, WithoutKidUsesTheOnlyKeyOfTheType) {
  const auto set = standard_set();
  EXPECT_TRUE(verify_token(set, token({{"alg", "RS256"}}, kClaims, keys().rsa.get())));
  EXPECT_TRUE(verify_token(set, token({{"alg", "ES256"}}, kClaims, keys().ec.get())));

  const auto two_rsa =
      Jwks::parse(jwks_of({jwk(keys().rsa.get(), {{"kid", "a"}}), jwk(keys().rsa2.get(), {{"kid", "b"}})})).value();
  const auto r = verify_token(two_rsa, token({{"alg", "RS256"}}, kClaims, keys().rsa.get()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
  EXPECT_TRUE(verify_token(two_rsa, token({{"alg", "RS256"}, {"kid", "b"}}, kClaims, keys().rsa2.get())));
}

TEST(Jwks, TamperedTokenFails) {
  const auto set = standard_set();
  for (const char* alg : {"RS256", "ES256"}) {
    auto* key = std::string_view(alg) == "RS256" ? keys().rsa.get() : keys().ec.get();
    const auto good = token({{"alg", alg}, {"kid", alg[0] == 'R' ? "r1" : "e1"}}, kClaims, key);
    auto jwt = parse_jwt(good).value();
    ASSERT_TRUE(set.verify(jwt));

    auto claims = kClaims;
    claims["sub"] = "admin";
    const auto dot = good.find('.');
    const auto forged = good.substr(0, dot) + "." + b64(json::serialize(claims)) + good.substr(good.rfind('.'));
    const auto r = verify_token(set, forged);
    ASSERT_FALSE(r) << alg;
    EXPECT_EQ(r.error().code, Errc::unauthenticated);

    auto flipped = jwt;
    flipped.signature[10] = static_cast<char>(flipped.signature[10] ^ 0x01);
    EXPECT_FALSE(set.verify(flipped)) << alg;
    auto cut = jwt;
    cut.signature.pop_back();
    EXPECT_FALSE(set.verify(cut)) << alg;
  }
}

TEST(Jwks, RefusesAlgNoneAndHmac) {
  const auto set = standard_set();
  const auto unsigned_token = b64(R"({"alg":"none"})") + "." + b64(json::serialize(kClaims)) + ".";
  auto r = verify_token(set, unsigned_token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unauthenticated);

  // The classic confusion: HS256 keyed with the public key's bytes.
  const auto input = b64(R"({"alg":"HS256","kid":"r1"})") + "." + b64(json::serialize(kClaims));
  const auto secret = bn_param(keys().rsa.get(), OSSL_PKEY_PARAM_RSA_N);
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  r = verify_token(set, input + "." + b64(std::string(reinterpret_cast<const char*>(mac), mac_len)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unauthenticated);

  for (const char* alg : {"RS512", "PS256", "ES384", "rs256", "None"}) {
    EXPECT_FALSE(verify_token(set, token({{"alg", alg}, {"kid", "r1"}}, kClaims, keys().rsa.get()))) << alg;
  }
  EXPECT_FALSE(verify_token(set, token({{"kid", "r1"}}, kClaims, keys().rsa.get())));
}

TEST(Jwks, WrongKidRefused) {
  const auto set = standard_set();
  auto r = verify_token(set, token({{"alg", "RS256"}, {"kid", "other"}}, kClaims, keys().rsa.get()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
  // A kid naming a key of the other type.
  r = verify_token(set, token({{"alg", "RS256"}, {"kid", "e1"}}, kClaims, keys().rsa.get()));
  EXPECT_FALSE(r);
  // The right kid, signed by another key.
  r = verify_token(set, token({{"alg", "RS256"}, {"kid", "r1"}}, kClaims, keys().rsa2.get()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
}

TEST(Jwks, KeyAlgMismatchRefused) {
  const auto set = Jwks::parse(jwks_of({jwk(keys().rsa.get(), {{"kid", "r1"}, {"alg", "RS512"}})})).value();
  const auto r = verify_token(set, token({{"alg", "RS256"}, {"kid", "r1"}}, kClaims, keys().rsa.get()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
  const auto ok = Jwks::parse(jwks_of({jwk(keys().rsa.get(), {{"kid", "r1"}, {"alg", "RS256"}})})).value();
  EXPECT_TRUE(verify_token(ok, token({{"alg", "RS256"}, {"kid", "r1"}}, kClaims, keys().rsa.get())));
}

TEST(Jwks, RefusesDerEs256SignatureAndCrit) {
  const auto set = standard_set();
  const auto input = b64(R"({"alg":"ES256","kid":"e1"})") + "." + b64(json::serialize(kClaims));
  EXPECT_FALSE(verify_token(set, input + "." + b64(sign(keys().ec.get(), "DER", input))));
  EXPECT_FALSE(verify_token(
      set, token({{"alg", "ES256"}, {"kid", "e1"}, {"crit", json::array{"exp"}}}, kClaims, keys().ec.get())));
}

TEST(Jwt, ParsesCompactJws) {
  const auto t = token({{"alg", "RS256"}, {"kid", "r1"}}, kClaims, keys().rsa.get());
  const auto jwt = parse_jwt(t).value();
  EXPECT_EQ(string_or(jwt.header, "kid"), "r1");
  EXPECT_EQ(string_or(jwt.claims, "sub"), "u1");
  EXPECT_EQ(jwt.signing_input, t.substr(0, t.rfind('.')));
  EXPECT_EQ(jwt.signature.size(), 256u);
  EXPECT_TRUE(looks_like_jwt(t));
}

TEST(Jwt, ParseRefusals) {
  const auto h = b64(R"({"alg":"RS256"})");
  const auto p = b64(json::serialize(kClaims));
  const auto s = b64("sig");
  const std::string bad[] = {
      "",
      h + "." + p,
      h + "." + p + "." + s + "." + s,
      h + "!." + p + "." + s,
      h + "." + p + "." + s + "*",
      b64("[1,2]") + "." + p + "." + s,
      b64("not json") + "." + p + "." + s,
      h + "." + b64("\"string\"") + "." + s,
      h + "==." + p + "." + s,
      "." + p + "." + s,
      h + "." + p + std::string(16 * 1024, 'A') + "." + s,
  };
  for (const auto& t : bad) {
    const auto r = parse_jwt(t);
    ASSERT_FALSE(r) << t.substr(0, 80);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    if (!t.empty()) {
      EXPECT_EQ(r.error().message.find(t.substr(0, 12)), std::string::npos) << r.error().message;
    }
  }
  EXPECT_FALSE(looks_like_jwt(random_token()));
  EXPECT_FALSE(looks_like_jwt("a.b.c"));
  EXPECT_FALSE(looks_like_jwt(b64("[1]") + "." + p + "." + s));
  EXPECT_FALSE(looks_like_jwt(h + "." + p));
}

TEST(JwtClaims, AcceptsValidClaims) {
  const JwtExpectations expect{
      "https://idp", {"other", "client"}, std::chrono::seconds(60), std::chrono::system_clock::from_time_t(1900000000)};
  Jwt jwt{{}, kClaims, "", ""};
  EXPECT_TRUE(check_claims(jwt, expect));
  jwt.claims["aud"] = json::array{"someone", "client"};
  EXPECT_TRUE(check_claims(jwt, expect));
  jwt.claims["exp"] = 1900000000.5;
  jwt.claims["iat"] = 1899999000;
  jwt.claims["nbf"] = 1899999000;
  EXPECT_TRUE(check_claims(jwt, expect));
  EXPECT_EQ(expiry_of(jwt), 1900000000);
  EXPECT_EQ(expiry_of(Jwt{}), 0);
}

TEST(JwtClaims, Refusals) {
  const JwtExpectations expect{
      "https://idp", {"client"}, std::chrono::seconds(60), std::chrono::system_clock::from_time_t(1900000000)};
  const auto refused = [&](const char* key, json::value v) {
    Jwt jwt{{}, kClaims, "", ""};
    if (v.is_null()) {
      jwt.claims.erase(key);
    } else {
      jwt.claims[key] = std::move(v);
    }
    const auto r = check_claims(jwt, expect);
    return !r && r.error().code == Errc::unauthenticated &&
           r.error().message.find(std::string_view(key)) != std::string::npos;
  };
  EXPECT_TRUE(refused("iss", "https://idp/"));
  EXPECT_TRUE(refused("iss", "https://evil"));
  EXPECT_TRUE(refused("iss", nullptr));
  EXPECT_TRUE(refused("aud", nullptr));
  EXPECT_TRUE(refused("aud", "other"));
  EXPECT_TRUE(refused("aud", json::array{"a", "b"}));
  EXPECT_TRUE(refused("aud", json::array{}));
  EXPECT_TRUE(refused("exp", nullptr));
  EXPECT_TRUE(refused("exp", "2000000000"));
  EXPECT_TRUE(refused("exp", 1900000000 - 61));  // expired beyond the leeway
  EXPECT_TRUE(refused("nbf", 1900000000 + 61));  // not yet valid
  EXPECT_TRUE(refused("nbf", "soon"));
  EXPECT_TRUE(refused("iat", 1900000000 + 61));  // issued in the future
}

TEST(JwtClaims, LeewayRespected) {
  JwtExpectations expect{
      "https://idp", {"client"}, std::chrono::seconds(60), std::chrono::system_clock::from_time_t(1900000000)};
  Jwt jwt{{}, kClaims, "", ""};
  jwt.claims["exp"] = 1900000000 - 59;
  jwt.claims["nbf"] = 1900000000 + 59;
  jwt.claims["iat"] = 1900000000 + 59;
  EXPECT_TRUE(check_claims(jwt, expect));
  expect.leeway = std::chrono::seconds(0);
  EXPECT_FALSE(check_claims(jwt, expect));
  jwt.claims["nbf"] = 1900000000;
  jwt.claims["iat"] = 1900000000;
  jwt.claims["exp"] = 1900000000;
  EXPECT_TRUE(check_claims(jwt, expect));  // exp is the last valid second
}

}  // namespace mcpk::auth
