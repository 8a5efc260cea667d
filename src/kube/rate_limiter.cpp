#include "kube/rate_limiter.hpp"

#include <algorithm>

namespace mcpk::kube {

RateLimiter::RateLimiter(double qps, int burst, Clock::time_point now)
    : qps_(qps), burst_(burst), tokens_(burst), last_(now) {}

std::optional<RateLimiter::Clock::duration> RateLimiter::reserve(Clock::time_point now, Clock::time_point deadline) {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  last_ = now;
  tokens_ -= 1;
  if (tokens_ >= 0) return Clock::duration::zero();
  const auto wait = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
  if (now + wait > deadline) {
    tokens_ += 1;
    return std::nullopt;
  }
  return wait;
}

}  // namespace mcpk::kube
