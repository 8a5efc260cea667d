#include "core/duration.hpp"

#include <gtest/gtest.h>

namespace mcpk {

TEST(Duration, ParsesGoStyle) {
  EXPECT_EQ(parse_duration("30s").value(), Millis{30'000});
  EXPECT_EQ(parse_duration("250ms").value(), Millis{250});
  EXPECT_EQ(parse_duration("1h30m").value(), Millis{5'400'000});
  EXPECT_EQ(parse_duration("1.5s").value(), Millis{1500});
  EXPECT_EQ(parse_duration("0").value(), Millis{0});
}

TEST(Duration, RefusesBadInputWithExample) {
  for (auto s : {"", "30", "5d", "-1s", "abc", "1s2"}) {
    auto r = parse_duration(s);
    ASSERT_FALSE(r) << s;
    EXPECT_NE(r.error().message.find("examples"), std::string::npos);
  }
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(format_duration(Millis{30'000}), "30s");
  EXPECT_EQ(format_duration(Millis{5'400'000}), "1h30m");
  EXPECT_EQ(format_duration(Millis{250}), "250ms");
}

// Fuzzing finding 2 (fuzz/findings/duration-nan): NaN and infinity are not numbers here.
TEST(Duration, RefusesNanAndInfinity) {
  for (auto text : {"nans", "NaNms", "infh", "INFs", "-nans"}) {
    auto d = parse_duration(text);
    ASSERT_FALSE(d) << text;
    EXPECT_NE(d.error().message.find("non-negative number"), std::string::npos) << text;
  }
}

}  // namespace mcpk
