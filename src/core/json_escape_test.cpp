#include "core/json_escape.hpp"

#include <gtest/gtest.h>

namespace mcpk {

TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
  std::string out;
  append_json_escaped(out, std::string_view("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\u0001");
}

TEST(JsonEscape, KeepsUtf8) {
  std::string out;
  append_json_escaped(out, "h\xc3\xa9");
  EXPECT_EQ(out, "h\xc3\xa9");
}

}  // namespace mcpk
