#include "kube/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace mcpk::kube {

using namespace std::chrono_literals;

TEST(RateLimiter, BurstAtOnceThenQps) {
  const auto t0 = RateLimiter::Clock::now();
  RateLimiter limiter(2, 3, t0);  // 2 per second, burst 3
  const auto far = t0 + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.reserve(t0, far), RateLimiter::Clock::duration::zero());
  EXPECT_EQ(limiter.reserve(t0, far), std::chrono::duration_cast<RateLimiter::Clock::duration>(500ms));
  EXPECT_EQ(limiter.reserve(t0, far), std::chrono::duration_cast<RateLimiter::Clock::duration>(1000ms));
  // A second later two tokens have come back, both already promised: the next waits 1 s more.
  EXPECT_EQ(limiter.reserve(t0 + 1s, far), std::chrono::duration_cast<RateLimiter::Clock::duration>(500ms));
}

TEST(RateLimiter, AWaitPastTheDeadlineTakesNothing) {
  const auto t0 = RateLimiter::Clock::now();
  RateLimiter limiter(1, 1, t0);
  EXPECT_EQ(limiter.reserve(t0, t0 + 10s), RateLimiter::Clock::duration::zero());
  EXPECT_EQ(limiter.reserve(t0, t0 + 100ms), std::nullopt);  // would wait 1 s
  EXPECT_EQ(limiter.reserve(t0, t0 + 10s), std::chrono::duration_cast<RateLimiter::Clock::duration>(1s));
}

}  // namespace mcpk::kube
