#include "core/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mcpk {

TEST(Json, ParsesAndReportsErrors) {
  auto v = parse_json(R"({"a":1,"b":{"c":"x"}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(string_or(*find_object(v->as_object(), "b"), "c"), "x");
  EXPECT_EQ(find_int(v->as_object(), "a"), 1);
  auto bad = parse_json(R"({"a":)");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("invalid JSON"), std::string::npos);
  EXPECT_FALSE(parse_json(R"({"a":1} trailing)"));
}

TEST(Json, DepthIsBounded) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(parse_json(deep, 64));
  EXPECT_TRUE(parse_json(deep, 128));
}

TEST(Json, AccessorsNeverThrow) {
  auto v = parse_json(R"({"s":"t","n":2.0,"f":2.5,"b":true,"o":{"k":{"z":1}}})").value();
  const auto& o = v.as_object();
  EXPECT_EQ(find_string(o, "n"), nullptr);
  EXPECT_EQ(find_int(o, "n"), 2);
  EXPECT_EQ(find_int(o, "f"), std::nullopt);
  EXPECT_EQ(find_bool(o, "b"), true);
  EXPECT_EQ(find_path(v, {"o", "k", "z"})->as_int64(), 1);
  EXPECT_EQ(find_path(v, {"o", "missing", "z"}), nullptr);
  EXPECT_EQ(find_path(v, {"s", "x"}), nullptr);
}

// Fuzzing finding 4 (fuzz/findings/json-number-out-of-range): Boost.JSON reads 1e400 as
// infinity, which serializes as the non-JSON `Infinity`; such input is refused.
TEST(Json, NumbersBeyondDoubleAreRefused) {
  for (auto text : {R"({"a":3e600})", "[1,[2,-1e400]]", "1e309"}) {
    auto v = parse_json(text);
    ASSERT_FALSE(v) << text;
    EXPECT_NE(v.error().message.find("out of range"), std::string::npos);
  }
  EXPECT_TRUE(parse_json(R"({"a":1.7e308,"b":-4.9e-324})"));
}

}  // namespace mcpk
