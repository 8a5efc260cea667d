#include "auth/crypto.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/base64.hpp"

namespace mcpk::auth {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Sealer sealer_with(char fill) { return Sealer::create(std::string(32, fill)).value(); }

}  // namespace

TEST(Crypto, Sha256KnownVector) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, PkceS256Rfc7636AppendixB) {
  // code_verifier and code_challenge exactly as RFC 7636 appendix B prints them.
  EXPECT_EQ(sha256_b64url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(Crypto, Base64urlVectors) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_").value(), "\xfb\xff\xbf");
  EXPECT_EQ(base64url_decode("Zg").value(), "f");
  EXPECT_EQ(base64url_decode("Zg==").value(), "f");
  EXPECT_EQ(base64url_decode("Zm8").value(), "fo");
  EXPECT_EQ(base64url_decode("Zm8=").value(), "fo");
  EXPECT_EQ(base64url_decode("").value(), "");
}

TEST(Crypto, Base64urlRoundTripsEveryLength) {
  for (std::size_t n = 0; n <= 70; ++n) {
    const auto bytes = random_bytes(n);
    const auto text = base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << text;
    EXPECT_EQ(base64url_decode(text).value(), bytes) << n;
  }
}

TEST(Crypto, Base64urlRefusesOtherCharactersAndBadPadding) {
  for (const char* bad : {"Zm9v+A", "Zm9v/A", "Zm9v YQ", "Zm9v\nYQ", "Zm9v!", "Z", "Zm9vY",
                          "Zg=", "Zg===", "Zm8==", "Zg==Zg", "=Zg", "Z=g=", "Zh", "Zm9"}) {
    const auto r = base64url_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
}

TEST(Crypto, RandomBytesAndTokens) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(48).size(), 48u);
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    const auto token = random_token();
    EXPECT_EQ(token.size(), 43u);  // 32 bytes, no padding
    EXPECT_EQ(base64url_decode(token).value().size(), 32u);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 64u);
  EXPECT_EQ(random_token(16).size(), 22u);
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "Secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("secret2", "secret"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_FALSE(constant_time_equal("x", ""));
  EXPECT_TRUE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(CryptoSealer, RoundTrip) {
  const auto sealer = sealer_with('k');
  for (const std::string& plain :
       {std::string(), std::string("x"), std::string("an upstream refresh token"), std::string(5000, 'z')}) {
    const auto sealed = sealer.seal(plain, "user-1");
    EXPECT_TRUE(sealed.starts_with("v1.")) << sealed;
    EXPECT_EQ(sealer.open(sealed, "user-1").value(), plain);
  }
  EXPECT_EQ(sealer.open(sealer.seal("no aad", ""), "").value(), "no aad");
}

TEST(CryptoSealer, FreshNonceEveryTime) {
  const auto sealer = sealer_with('k');
  const auto a = sealer.seal("same", "aad");
  const auto b = sealer.seal("same", "aad");
  EXPECT_NE(a, b);
  // nonce (12) + plaintext (4) + tag (16) bytes.
  EXPECT_EQ(base64url_decode(std::string_view(a).substr(3)).value().size(), 32u);
}

TEST(CryptoSealer, WrongKeyFails) {
  const auto sealed = sealer_with('a').seal("secret", "aad");
  const auto r = sealer_with('b').open(sealed, "aad");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
}

TEST(CryptoSealer, ChangedAadFails) {
  const auto sealer = sealer_with('k');
  const auto sealed = sealer.seal("secret", "user-1");
  EXPECT_FALSE(sealer.open(sealed, "user-2"));
  EXPECT_FALSE(sealer.open(sealed, ""));
  EXPECT_FALSE(sealer.open(sealer.seal("secret", ""), "user-1"));
}

TEST(CryptoSealer, EveryTamperedByteFails) {
  const auto sealer = sealer_with('k');
  const auto sealed = sealer.seal("secret value", "aad");
  const auto raw = base64url_decode(std::string_view(sealed).substr(3)).value();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto changed = raw;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_FALSE(sealer.open("v1." + base64url_encode(changed), "aad")) << "byte " << i;
  }
}

TEST(CryptoSealer, TruncatedAndMalformedFail) {
  const auto sealer = sealer_with('k');
  const auto sealed = sealer.seal("secret value", "aad");
  const auto raw = base64url_decode(std::string_view(sealed).substr(3)).value();
  for (std::size_t n : {std::size_t{0}, std::size_t{11}, std::size_t{27}, raw.size() - 1}) {
    EXPECT_FALSE(sealer.open("v1." + base64url_encode(raw.substr(0, n)), "aad")) << n;
  }
  EXPECT_FALSE(sealer.open(sealed.substr(0, sealed.size() - 2), "aad"));
  EXPECT_FALSE(sealer.open(sealed + "A", "aad"));
  EXPECT_FALSE(sealer.open(sealed + "!", "aad"));
  EXPECT_FALSE(sealer.open("", "aad"));
}

TEST(CryptoSealer, BadPrefixFails) {
  const auto sealer = sealer_with('k');
  const auto sealed = sealer.seal("secret", "aad");
  const auto body = sealed.substr(3);
  EXPECT_FALSE(sealer.open(body, "aad"));
  EXPECT_FALSE(sealer.open("v2." + body, "aad"));
  EXPECT_FALSE(sealer.open("V1." + body, "aad"));
  EXPECT_FALSE(sealer.open("v1" + body, "aad"));
}

TEST(CryptoSealer, CreateNeeds32Bytes) {
  EXPECT_TRUE(Sealer::create(std::string(32, '\0')));
  EXPECT_FALSE(Sealer::create(std::string(31, 'k')));
  EXPECT_FALSE(Sealer::create(std::string(33, 'k')));
  EXPECT_FALSE(Sealer::create(""));
}

TEST(CryptoSealer, FromBase64) {
  const std::string key = random_bytes(32);
  auto sealer = Sealer::from_base64(base64_encode(key));
  ASSERT_TRUE(sealer);
  // Same key, other construction: interoperable.
  EXPECT_EQ(Sealer::create(key).value().open(sealer->seal("v", "a"), "a").value(), "v");

  const auto short_key = base64_encode(std::string(31, 'q'));
  auto r = Sealer::from_base64(short_key);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().message.find("32 bytes"), std::string::npos);
  EXPECT_EQ(r.error().message.find(short_key), std::string::npos);
  EXPECT_EQ(r.error().message.find("qqqq"), std::string::npos);

  const std::string not_base64 = "this-is-not_base64!";
  r = Sealer::from_base64(not_base64);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find(not_base64), std::string::npos);
  EXPECT_FALSE(Sealer::from_base64(""));
  // base64url of a 32-byte key is not the accepted form.
  EXPECT_FALSE(Sealer::from_base64(base64url_encode(std::string(32, '\xff'))));
}

}  // namespace mcpk::auth
