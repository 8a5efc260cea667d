#include "telemetry/otlp_json.hpp"

#include <boost/json.hpp>

namespace mcpk::telemetry {
namespace {

namespace json = boost::json;

json::object any_value(const AttributeValue& v) {
  return std::visit(
      [](const auto& x) -> json::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) return {{"stringValue", x}};
        if constexpr (std::is_same_v<T, std::int64_t>) return {{"intValue", std::to_string(x)}};  // int64: a string
        if constexpr (std::is_same_v<T, double>) return {{"doubleValue", x}};
        if constexpr (std::is_same_v<T, bool>) return {{"boolValue", x}};
      },
      v);
}

json::array attributes(const Attributes& attrs) {
  json::array out;
  out.reserve(attrs.size());
  for (const auto& a : attrs) out.push_back(json::object{{"key", a.key}, {"value", any_value(a.value)}});
  return out;
}

json::object span(const SpanData& s) {
  json::object o;
  o["traceId"] = s.context.trace_id.hex();
  o["spanId"] = s.context.span_id.hex();
  if (!s.context.tracestate.empty()) o["traceState"] = s.context.tracestate;
  if (s.parent.valid()) o["parentSpanId"] = s.parent.hex();
  // W3C trace flags, plus whether the parent is remote (OTLP SpanFlags: 0x100 known, 0x200 remote).
  o["flags"] = (s.context.sampled ? 1 : 0) | 0x100 | (s.parent_remote ? 0x200 : 0);
  o["name"] = s.name;
  o["kind"] = static_cast<int>(s.kind);
  o["startTimeUnixNano"] = std::to_string(s.start_unix_ns);
  o["endTimeUnixNano"] = std::to_string(s.end_unix_ns);
  if (!s.attributes.empty()) o["attributes"] = attributes(s.attributes);
  if (s.status != StatusCode::unset) {
    json::object status{{"code", static_cast<int>(s.status)}};
    if (s.status == StatusCode::error && !s.status_message.empty()) status["message"] = s.status_message;
    o["status"] = std::move(status);
  }
  return o;
}

}  // namespace

std::string encode_traces(const Resource& resource, const Scope& scope, std::span<const SpanData> spans) {
  json::array list;
  list.reserve(spans.size());
  for (const auto& s : spans) list.push_back(span(s));
  json::object scope_object{{"name", scope.name}};
  if (!scope.version.empty()) scope_object["version"] = scope.version;
  json::object scope_spans{{"scope", std::move(scope_object)}, {"spans", std::move(list)}};
  json::object resource_spans{{"resource", json::object{{"attributes", attributes(resource.attributes)}}},
                              {"scopeSpans", json::array{std::move(scope_spans)}}};
  return json::serialize(json::object{{"resourceSpans", json::array{std::move(resource_spans)}}});
}

}  // namespace mcpk::telemetry
