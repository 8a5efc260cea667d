#include "core/time.hpp"

#include <gtest/gtest.h>

namespace mcpk {

TEST(Time, ParsesRfc3339Variants) {
  auto a = parse_rfc3339("2026-01-02T03:04:05Z").value();
  EXPECT_EQ(format_rfc3339(a), "2026-01-02T03:04:05Z");
  auto b = parse_rfc3339("2026-01-02T05:04:05+02:00").value();
  EXPECT_EQ(a, b);
  auto c = parse_rfc3339("2026-01-02T03:04:05.5Z").value();
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(c - a).count(), 500);
}

TEST(Time, RefusesGarbage) {
  for (auto s :
       {"", "2026-01-02", "2026-13-02T03:04:05Z", "2026-01-02T03:04:05", "yesterday", "2026-01-02T03:04:05Zx"}) {
    EXPECT_FALSE(parse_rfc3339(s)) << s;
  }
}

TEST(Time, AgesLikeKubectl) {
  EXPECT_EQ(format_age(std::chrono::seconds(45)), "45s");
  EXPECT_EQ(format_age(std::chrono::seconds(600)), "10m");
  EXPECT_EQ(format_age(std::chrono::seconds(3 * 3600)), "3h");
  EXPECT_EQ(format_age(std::chrono::seconds(5 * 86400)), "5d");
}

// Fuzzing finding 1 (fuzz/findings/time-year-1014): years system_clock cannot hold are refused,
// not overflowed.
TEST(Time, RefusesTimesSystemClockCannotHold) {
  EXPECT_FALSE(parse_rfc3339("1014-01-02T03:04:05.123456789+02:00"));
  EXPECT_FALSE(parse_rfc3339("1600-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2300-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("1700-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2200-01-01T00:00:00Z"));
}

}  // namespace mcpk
