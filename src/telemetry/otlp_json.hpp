/// @file
/// @brief OTLP/HTTP JSON encoding of spans (`POST /v1/traces`, `Content-Type:
/// application/json`), as the OTLP specification maps its protobuf messages to JSON:
/// lowerCamelCase field names, trace and span ids as lower-case hex (not base64), 64-bit
/// integers as decimal strings, enums as integers, empty fields left out.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "telemetry/trace.hpp"

namespace mcpk::telemetry {

/// The instrumentation scope the spans are reported under.
struct Scope {
  std::string name = "mcp-kubernetes";
  std::string version;
};

/// One ExportTraceServiceRequest holding `spans`, all of `resource` and `scope`.
std::string encode_traces(const Resource& resource, const Scope& scope, std::span<const SpanData> spans);

}  // namespace mcpk::telemetry
