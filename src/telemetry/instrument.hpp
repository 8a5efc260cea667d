/// @file
/// @brief Where metrics are fed from: one adapter per seam of the house — an HTTP middleware
/// (router), a tool middleware (mcp::Server's chain) and a kube TransportObserver (each
/// cluster's). app wires them; nothing else knows telemetry exists.
#pragma once

#include <memory>

#include "kube/chain.hpp"
#include "mcp/server.hpp"
#include "telemetry/metrics.hpp"
#include "transport/router.hpp"

namespace mcpk::telemetry {

/// http_requests_total / http_request_duration_seconds, labelled by the matched route.
transport::Middleware http_metrics(std::shared_ptr<Metrics> metrics);
/// Tool calls, Kubernetes operations and pod operations (logs, exec, port-forward).
mcp::ToolMiddleware tool_metrics(std::shared_ptr<Metrics> metrics);
/// Kubernetes API requests by verb and code, retries and throttle waits.
std::shared_ptr<kube::TransportObserver> api_metrics(std::shared_ptr<Metrics> metrics);

}  // namespace mcpk::telemetry
