/// @file
/// @brief The OpenTelemetry environment both signals read (OTEL_EXPORTER_OTLP_*,
/// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), as the OTLP exporter specification defines
/// it: per-signal settings (`..._TRACES_...`, `..._METRICS_...`) win over the general ones. Every
/// malformed value is an error naming the variable.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "telemetry/span_export.hpp"
#include "telemetry/trace.hpp"

namespace mcpk::app {

/// Reads the environment (tests pass their own).
using Getenv = std::function<const char*(const char*)>;

std::string_view env_value(const Getenv& getenv, const char* name);
/// A positive integer, or `fallback` when unset.
Result<std::size_t> env_positive(const Getenv& getenv, const char* name, std::size_t fallback);
/// service.name and the other resource attributes.
Result<telemetry::Resource> env_resource(const Getenv& getenv);
/// The exporter of `signal` ("traces" or "metrics"): `kind` "otlp" (OTLP/HTTP, JSON bodies, to
/// the signal's URL within its timeout) or "stdout" (stderr when `stdio`, whose stdout is the MCP
/// stream).
Result<std::unique_ptr<telemetry::OtlpExporter>> env_exporter(const Getenv& getenv, std::string_view kind,
                                                              std::string_view signal,
                                                              const net::any_io_executor& executor, bool stdio);

}  // namespace mcpk::app
