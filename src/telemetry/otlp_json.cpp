#include "telemetry/otlp_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "core/json_escape.hpp"

// Written as text, not through a JSON DOM: a batch of 512 spans is encoded on the telemetry
// thread in a fraction of the time, with one growing buffer.
namespace mcpk::telemetry {
namespace {

void quoted(std::string& out, std::string_view text) {
  out += '"';
  append_json_escaped(out, text);
  out += '"';
}

// Writes each item with `write(out, item)`, comma-separated.
template <class Range, class Write>
void separated(std::string& out, const Range& items, Write write) {
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    write(out, item);
  }
}

void scope_object(std::string& out, const Scope& scope) {
  out += "{\"name\":";
  quoted(out, scope.name);
  if (!scope.version.empty()) {
    out += ",\"version\":";
    quoted(out, scope.version);
  }
  out += '}';
}

void any_value(std::string& out, const AttributeValue& v) {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out += "{\"stringValue\":";
          quoted(out, x);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          fmt::format_to(std::back_inserter(out), "{{\"intValue\":\"{}\"", x);  // int64: a string
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isfinite(x)) {
            fmt::format_to(std::back_inserter(out), "{{\"doubleValue\":{}", x);
          } else {  // JSON has no NaN or infinity; OTLP's JSON mapping spells them as strings
            fmt::format_to(std::back_inserter(out), "{{\"doubleValue\":\"{}\"",
                           std::isnan(x) ? "NaN"
                           : x > 0       ? "Infinity"
                                         : "-Infinity");
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "{\"boolValue\":true" : "{\"boolValue\":false";
        }
      },
      v);
  out += '}';
}

void attributes(std::string& out, const Attributes& attrs) {
  out += '[';
  separated(out, attrs, [](std::string& o, const Attribute& a) {
    o += "{\"key\":";
    quoted(o, a.key);
    o += ",\"value\":";
    any_value(o, a.value);
    o += '}';
  });
  out += ']';
}

void span(std::string& out, const SpanData& s) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{{\"traceId\":\"{}\",\"spanId\":\"{}\"", s.context.trace_id.hex(), s.context.span_id.hex());
  if (!s.context.tracestate.empty()) {
    out += ",\"traceState\":";
    quoted(out, s.context.tracestate);
  }
  if (s.parent.valid()) fmt::format_to(it, ",\"parentSpanId\":\"{}\"", s.parent.hex());
  // W3C trace flags, plus whether the parent is remote (OTLP SpanFlags: 0x100 known, 0x200 remote).
  fmt::format_to(it, ",\"flags\":{},\"name\":", (s.context.sampled ? 1 : 0) | 0x100 | (s.parent_remote ? 0x200 : 0));
  quoted(out, s.name);
  fmt::format_to(it, ",\"kind\":{},\"startTimeUnixNano\":\"{}\",\"endTimeUnixNano\":\"{}\"", static_cast<int>(s.kind),
                 s.start_unix_ns, s.end_unix_ns);
  if (!s.attributes.empty()) {
    out += ",\"attributes\":";
    attributes(out, s.attributes);
  }
  if (s.status != StatusCode::unset) {
    fmt::format_to(it, ",\"status\":{{\"code\":{}", static_cast<int>(s.status));
    if (s.status == StatusCode::error && !s.status_message.empty()) {
      out += ",\"message\":";
      quoted(out, s.status_message);
    }
    out += '}';
  }
  out += '}';
}

void point_head(std::string& out, const MetricPoint& p, std::string_view times) {
  out += '{';
  if (!p.attributes.empty()) {
    out += "\"attributes\":";
    attributes(out, p.attributes);
    out += ',';
  }
  out += times;
}

void metric(std::string& out, const MetricData& m, std::string_view times) {
  auto it = std::back_inserter(out);
  out += "{\"name\":";
  quoted(out, m.name);
  if (!m.description.empty()) {
    out += ",\"description\":";
    quoted(out, m.description);
  }
  if (!m.unit.empty()) {
    out += ",\"unit\":";
    quoted(out, m.unit);
  }
  static constexpr std::string_view kKeys[] = {"sum", "gauge", "histogram"};
  fmt::format_to(it, ",\"{}\":{{\"dataPoints\":[", kKeys[static_cast<int>(m.kind)]);
  separated(out, m.points, [&m, times](std::string& o, const MetricPoint& p) {
    auto to = std::back_inserter(o);
    point_head(o, p, times);
    if (m.kind != MetricKind::histogram) {
      // asDouble: a double, so never a string; non-finite values are not produced by our instruments.
      fmt::format_to(to, ",\"asDouble\":{}}}", std::isfinite(p.value) ? p.value : 0.0);
      return;
    }
    fmt::format_to(to, ",\"count\":\"{}\",\"sum\":{},\"bucketCounts\":[", p.count, p.sum);  // fixed64: strings
    separated(o, p.bucket_counts,
              [](std::string& b, std::uint64_t c) { fmt::format_to(std::back_inserter(b), "\"{}\"", c); });
    o += "],\"explicitBounds\":[";
    separated(o, p.bounds, [](std::string& b, double bound) { fmt::format_to(std::back_inserter(b), "{}", bound); });
    o += "]}";
  });
  out += ']';
  // AGGREGATION_TEMPORALITY_CUMULATIVE = 2
  if (m.kind == MetricKind::sum) out += ",\"aggregationTemporality\":2,\"isMonotonic\":true";
  if (m.kind == MetricKind::histogram) out += ",\"aggregationTemporality\":2";
  out += "}}";
}

// {"resource<Kind>":[{"resource":{…},"scope<Kind>":[{"scope":{…},"<items>":[…]}]}]}: one resource,
// one scope, all the items.
template <class Item, class Write>
std::string envelope(std::string_view kind, std::string_view items_key, const Resource& resource, const Scope& scope,
                     std::span<const Item> items, std::size_t bytes_per_item, Write write) {
  std::string out;
  out.reserve(256 + items.size() * bytes_per_item);
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{{\"resource{}\":[{{\"resource\":{{\"attributes\":", kind);
  attributes(out, resource.attributes);
  fmt::format_to(it, "}},\"scope{}\":[{{\"scope\":", kind);
  scope_object(out, scope);
  fmt::format_to(it, ",\"{}\":[", items_key);
  separated(out, items, write);
  out += "]}]}]}";
  return out;
}

}  // namespace

std::string encode_metrics(const Resource& resource, const Scope& scope, std::span<const MetricData> metrics,
                           std::uint64_t start_unix_ns, std::uint64_t now_unix_ns) {
  const auto times = fmt::format("\"startTimeUnixNano\":\"{}\",\"timeUnixNano\":\"{}\"", start_unix_ns, now_unix_ns);
  return envelope("Metrics", "metrics", resource, scope, metrics, 512,
                  [&times](std::string& out, const MetricData& m) { metric(out, m, times); });
}

std::string encode_traces(const Resource& resource, const Scope& scope, std::span<const SpanData> spans) {
  return envelope("Spans", "spans", resource, scope, spans, 768, span);
}

}  // namespace mcpk::telemetry
