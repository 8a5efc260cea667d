#include "core/base64.hpp"

#include <gtest/gtest.h>

namespace mcpk {

TEST(Base64, RoundTripsRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded).value(), plain);
  }
}

TEST(Base64, IgnoresLineBreaksRefusesGarbage) {
  EXPECT_EQ(base64_decode("Zm9v\nYmFy\n").value(), "foobar");
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zg==Zg=="));
}

TEST(Base64, BinaryBytes) {
  std::string bytes = {'\0', '\xff', '\x10'};
  EXPECT_EQ(base64_decode(base64_encode(bytes)).value(), bytes);
}

}  // namespace mcpk
