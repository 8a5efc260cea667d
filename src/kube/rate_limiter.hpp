/// @file
/// @brief The client-side rate limiter (--qps-limit, --burst-limit): a token bucket, as
/// client-go's flowcontrol. One per cluster, so the limit holds for the cluster whoever calls.
/// Pure arithmetic: the transport does the waiting.
#pragma once

#include <chrono>
#include <optional>

namespace mcpk::kube {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(double qps, int burst, Clock::time_point now = Clock::now());

  /// Takes a token: how long to wait for it (zero: at once). nullopt, taking nothing, when the
  /// wait would end after `deadline`.
  std::optional<Clock::duration> reserve(Clock::time_point now, Clock::time_point deadline);

 private:
  double qps_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace mcpk::kube
