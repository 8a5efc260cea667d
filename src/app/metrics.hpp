/// @file
/// @brief Prometheus metrics of `serve`: the Metrics, fed from the seams (HTTP middleware, tool
/// middleware, each cluster's transport observer), and GET /metrics on a listener of its own
/// (--metrics-addr), never on the MCP port.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "app/options.hpp"
#include "core/error.hpp"
#include "telemetry/metrics.hpp"
#include "transport/http_server.hpp"
#include "transport/router.hpp"

namespace mcpk::app {

class MetricsEndpoint {
 public:
  /// Binds --metrics-addr and serves GET /metrics from `metrics`. Errors name the address.
  static Result<std::unique_ptr<MetricsEndpoint>> listen(net::io_context& io, const TelemetryOptions& options,
                                                         std::shared_ptr<telemetry::Metrics> metrics);
  /// Serves until stop().
  Task<void> run();
  void stop();
  std::uint16_t port() const;

 private:
  MetricsEndpoint() = default;
  std::shared_ptr<telemetry::Metrics> metrics_;
  transport::Router router_;
  std::unique_ptr<transport::HttpServer> server_;
};

}  // namespace mcpk::app
