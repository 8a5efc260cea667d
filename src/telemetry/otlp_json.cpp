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
  bool first = true;
  for (const auto& a : attrs) {
    if (!first) out += ',';
    first = false;
    out += "{\"key\":";
    quoted(out, a.key);
    out += ",\"value\":";
    any_value(out, a.value);
    out += '}';
  }
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

}  // namespace

std::string encode_traces(const Resource& resource, const Scope& scope, std::span<const SpanData> spans) {
  std::string out;
  out.reserve(256 + spans.size() * 768);
  out += "{\"resourceSpans\":[{\"resource\":{\"attributes\":";
  attributes(out, resource.attributes);
  out += "},\"scopeSpans\":[{\"scope\":{\"name\":";
  quoted(out, scope.name);
  if (!scope.version.empty()) {
    out += ",\"version\":";
    quoted(out, scope.version);
  }
  out += "},\"spans\":[";
  bool first = true;
  for (const auto& s : spans) {
    if (!first) out += ',';
    first = false;
    span(out, s);
  }
  out += "]}]}]}";
  return out;
}

}  // namespace mcpk::telemetry
