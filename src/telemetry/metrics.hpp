/// @file
/// @brief The server's Prometheus metrics: the reference's families (names, types, labels and
/// buckets unchanged, so its dashboards and alerts work), plus tool-call, client-cache, API
/// request and session metrics. Label values are bounded: routes not paths, operations not
/// object names, no users, no namespaces, no tokens.
///
/// Recording is a few atomic increments; values that other parts own (sessions open, cached
/// clients, port-forwards) are read at scrape time through collect hooks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
struct MetricFamily;
}

namespace mcpk::telemetry {

/// The reference's duration buckets, in seconds.
inline const std::vector<double> kDurationBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct MetricsInfo {
  std::string version;
  std::string transport;  ///< stdio | streamable-http
};

class Metrics {
 public:
  explicit Metrics(MetricsInfo info);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// One HTTP request: `route` is the matched route pattern ("other" when none matched).
  void http_request(std::string_view method, std::string_view route, int status, double seconds);
  /// One tool call: by tool and outcome (ok | error | refused), and as the reference counts
  /// Kubernetes operations (operation = the tool's verb, status = success | error), with
  /// cluster_scope/cluster_type management | workload and discovery_mode single | fanout.
  void tool_call(std::string_view tool, std::string_view operation, std::string_view outcome, double seconds,
                 bool workload = false, bool fanout = false);
  /// A pod operation (logs, exec, port-forward) with status success | error.
  void pod_operation(std::string_view operation, std::string_view status, double seconds);
  /// One Kubernetes API request, after its retries: verb (get, post, ..., connect for a
  /// WebSocket), code (the HTTP status, or "error"), retries made and time spent throttled.
  void api_request(std::string_view verb, std::string_view code, int retries, double throttled_seconds, double seconds);
  /// Downstream OAuth: result success | failure | refreshed | missing.
  void downstream_auth(std::string_view result);

  /// Read at scrape time: gauges and counters whose values others own.
  struct Snapshot {
    std::size_t sessions_open = 0;
    std::size_t port_forwards = 0;
    std::size_t client_cache_entries = 0;
    std::uint64_t client_cache_hits = 0, client_cache_misses = 0, client_cache_evictions = 0;
    std::uint64_t spans_exported = 0, spans_dropped = 0, spans_failed = 0;  ///< tracing's batch processor
  };
  using Collect = std::function<void(Snapshot&)>;
  void on_collect(Collect collect);

  /// The Prometheus text exposition format (version 0.0.4).
  std::string expose();
  /// The same values as families, for the other exporters (OTLP, stdout).
  std::vector<prometheus::MetricFamily> collect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpk::telemetry
