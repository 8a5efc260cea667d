/// @file
/// @brief One Kubernetes call's bounds and origin, shared by every layer of the kube client.
#pragma once

#include <chrono>

#include "core/cancel.hpp"
#include "core/scope.hpp"

namespace mcpk::kube {

using Clock = std::chrono::steady_clock;

/// One call's bounds and origin: its deadline bounds the whole call, its cancel token aborts
/// the connection underneath, and its scope says who calls (whose credential, for whom to
/// impersonate) and under which trace.
struct CallContext {
  Clock::time_point deadline;
  CancelTokenPtr cancel;
  RequestScope scope{};
};

}  // namespace mcpk::kube
