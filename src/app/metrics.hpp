/// @file
/// @brief Metrics of `serve`: the Metrics, fed from the seams (HTTP middleware, tool middleware,
/// each cluster's transport observer), served as GET /metrics on a listener of its own
/// (--metrics-addr), never on the MCP port, or pushed (METRICS_EXPORTER=otlp|stdout).
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "app/options.hpp"
#include "app/otel_env.hpp"
#include "core/error.hpp"
#include "telemetry/metric_export.hpp"
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

/// Where the metrics go (METRICS_EXPORTER): the /metrics listener (`prometheus`), or a push every
/// OTEL_METRIC_EXPORT_INTERVAL ms (default 60000) over OTLP/HTTP (`otlp`) or to stdout
/// (`stdout`; stderr under stdio), then once more at shutdown.
class MetricsOutput {
 public:
  /// Errors name the address or the setting that is wrong.
  static Result<std::unique_ptr<MetricsOutput>> make(net::io_context& io, const ServeOptions& options,
                                                     std::shared_ptr<telemetry::Metrics> metrics, const Getenv& getenv);
  void start(std::function<void(std::exception_ptr)> on_done);
  void stop();

 private:
  net::io_context* io_ = nullptr;
  std::unique_ptr<MetricsEndpoint> endpoint_;
  std::shared_ptr<telemetry::PeriodicMetricReader> reader_;
};

}  // namespace mcpk::app
