/// @file
/// @brief METRICS_EXPORTER=otlp|stdout: the same metrics the scrape endpoint serves, converted to
/// the OpenTelemetry data model (counters → cumulative monotonic sums without their `_total`,
/// which a collector's Prometheus exporter adds back; gauges; histograms with per-bucket counts)
/// and pushed every interval, plus once at shutdown.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "core/async.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/otlp_json.hpp"
#include "telemetry/span_export.hpp"

namespace mcpk::telemetry {

/// The metrics' current values as OTLP metrics.
std::vector<MetricData> metric_data(Metrics& metrics);

/// Runs on the I/O thread (the metrics' scrape-time values are read there).
class PeriodicMetricReader : public std::enable_shared_from_this<PeriodicMetricReader> {
 public:
  PeriodicMetricReader(net::any_io_executor executor, std::shared_ptr<Metrics> metrics, Resource resource, Scope scope,
                       std::unique_ptr<OtlpExporter> exporter, std::chrono::milliseconds interval);
  void start();
  /// Pushes once more, then stops.
  Task<void> shutdown();
  const OtlpExporter& exporter() const { return *exporter_; }

 private:
  Task<void> loop();
  Task<void> push();

  std::shared_ptr<Metrics> metrics_;
  Resource resource_;
  Scope scope_;
  std::unique_ptr<OtlpExporter> exporter_;
  std::chrono::milliseconds interval_;
  net::steady_timer timer_;
  std::uint64_t start_unix_ns_;
  bool stopping_ = false, pushing_ = false;
  bool failing_ = false;  ///< the last push failed (logged once, until one succeeds)
};

}  // namespace mcpk::telemetry
