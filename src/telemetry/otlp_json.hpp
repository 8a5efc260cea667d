/// @file
/// @brief OTLP/HTTP JSON encoding of spans (`POST /v1/traces`) and metrics (`POST
/// /v1/metrics`), `Content-Type: application/json`, as the OTLP specification maps its protobuf messages to JSON:
/// lowerCamelCase field names, trace and span ids as lower-case hex (not base64), 64-bit
/// integers as decimal strings, enums as integers, empty fields left out.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/trace.hpp"

namespace mcpk::telemetry {

/// The instrumentation scope the spans are reported under.
struct Scope {
  std::string name = "mcp-kubernetes";
  std::string version;
};

/// One ExportTraceServiceRequest holding `spans`, all of `resource` and `scope`.
std::string encode_traces(const Resource& resource, const Scope& scope, std::span<const SpanData> spans);

/// Metrics as the OpenTelemetry metrics data model has them: counters are cumulative monotonic
/// sums, gauges gauges, histograms cumulative explicit-bucket histograms.
enum class MetricKind { sum, gauge, histogram };

struct MetricPoint {
  Attributes attributes{};
  double value = 0;                            ///< sum, gauge
  std::vector<double> bounds{};                ///< histogram: the explicit bounds (no +Inf)
  std::vector<std::uint64_t> bucket_counts{};  ///< histogram: per bucket, bounds.size() + 1, not cumulative
  std::uint64_t count = 0;                     ///< histogram
  double sum = 0;                              ///< histogram
};

struct MetricData {
  std::string name;
  std::string description;
  std::string unit;  ///< UCUM: "s", "1", or empty
  MetricKind kind = MetricKind::sum;
  std::vector<MetricPoint> points;
};

/// One ExportMetricsServiceRequest; every point is cumulative since `start_unix_ns` (the
/// process start) and observed at `now_unix_ns`.
std::string encode_metrics(const Resource& resource, const Scope& scope, std::span<const MetricData> metrics,
                           std::uint64_t start_unix_ns, std::uint64_t now_unix_ns);

}  // namespace mcpk::telemetry
