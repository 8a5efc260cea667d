/// @file
/// @brief The span model of OpenTelemetry tracing, without an SDK: W3C trace context
/// (`traceparent`, `tracestate`), trace and span ids, the parent-based ratio sampler
/// (`OTEL_TRACES_SAMPLER_ARG`), finished spans as data, and the resource
/// (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`). Exporting them is `otlp_json.hpp`.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace mcpk::telemetry {

struct TraceId {
  std::array<std::uint8_t, 16> bytes{};
  bool valid() const;  ///< not all zero
  std::string hex() const;
  friend bool operator==(const TraceId&, const TraceId&) = default;
};

struct SpanId {
  std::array<std::uint8_t, 8> bytes{};
  bool valid() const;  ///< not all zero
  std::string hex() const;
  friend bool operator==(const SpanId&, const SpanId&) = default;
};

/// Fresh random ids (never all zero).
TraceId new_trace_id();
SpanId new_span_id();

/// What identifies a span and travels to its children, in-process or in `traceparent`.
struct SpanContext {
  TraceId trace_id;
  SpanId span_id;
  bool sampled = false;
  std::string tracestate;  ///< passed on unchanged
  bool remote = false;     ///< came from another process
  bool valid() const { return trace_id.valid() && span_id.valid(); }
};

/// Parses a W3C `traceparent` (and its `tracestate`): version 00, or a later version read as
/// 00 (its first four fields). Refused: upper-case hex, all-zero ids, version ff, bad lengths.
std::optional<SpanContext> parse_traceparent(std::string_view traceparent, std::string_view tracestate = {});
/// "00-<trace id>-<span id>-<flags>".
std::string format_traceparent(const SpanContext& context);

/// OpenTelemetry's parent-based sampler over a trace-id ratio: a span with a parent follows
/// the parent's decision; a root span is sampled when its trace id falls under the ratio (the
/// same test as the Go SDK's TraceIDRatioBased, so services agree on a trace).
class Sampler {
 public:
  explicit Sampler(double ratio = 1.0);
  bool sample(const std::optional<SpanContext>& parent, const TraceId& trace_id) const;
  double ratio() const { return ratio_; }

 private:
  double ratio_;
  std::uint64_t bound_;
};

/// OTLP's enum values, so that encoding is a cast.
enum class SpanKind { internal = 1, server = 2, client = 3 };
enum class StatusCode { unset = 0, ok = 1, error = 2 };

using AttributeValue = std::variant<std::string, std::int64_t, double, bool>;
struct Attribute {
  std::string key;
  AttributeValue value;
};
using Attributes = std::vector<Attribute>;

/// A finished span, ready to export.
struct SpanData {
  SpanContext context;
  SpanId parent;               ///< all zero for a root span
  bool parent_remote = false;  ///< the parent came from another process (traceparent)
  std::string name;
  SpanKind kind = SpanKind::internal;
  std::uint64_t start_unix_ns = 0;
  std::uint64_t end_unix_ns = 0;
  Attributes attributes;
  StatusCode status = StatusCode::unset;
  std::string status_message;  ///< only with StatusCode::error
};

/// What produces the telemetry: `service.name` and the other resource attributes.
struct Resource {
  Attributes attributes;
};

/// The resource from `OTEL_SERVICE_NAME` (wins over a service.name in the list; default
/// "mcp-kubernetes") and `OTEL_RESOURCE_ATTRIBUTES` ("k=v,k2=v2", values percent-encoded as the
/// OpenTelemetry spec says), plus service.version and the telemetry.sdk attributes.
/// A malformed list is an error naming the bad entry.
Result<Resource> make_resource(std::string_view service_name, std::string_view resource_attributes,
                               std::string_view version);

}  // namespace mcpk::telemetry
