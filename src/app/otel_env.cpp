#include "app/otel_env.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <string>

#include "core/text.hpp"
#include "core/version.hpp"

namespace mcpk::app {
namespace {

// OTEL_EXPORTER_OTLP_TRACES_<what>, else OTEL_EXPORTER_OTLP_<what>: the name that is set.
std::string signal_or_general(const Getenv& getenv, std::string_view signal, std::string_view what) {
  auto specific = fmt::format("OTEL_EXPORTER_OTLP_{}_{}", signal == "traces" ? "TRACES" : "METRICS", what);
  if (!env_value(getenv, specific.c_str()).empty()) return specific;
  return fmt::format("OTEL_EXPORTER_OTLP_{}", what);
}

}  // namespace

std::string_view env_value(const Getenv& getenv, const char* name) {
  const char* v = getenv(name);
  return v ? std::string_view(v) : std::string_view{};
}

Result<std::size_t> env_positive(const Getenv& getenv, const char* name, std::size_t fallback) {
  const auto v = env_value(getenv, name);
  if (v.empty()) return fallback;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n == 0) {
    return fail(Errc::invalid_argument, fmt::format("{}: \"{}\" is not a positive integer", name, clip(v, 32)));
  }
  return n;
}

Result<telemetry::Resource> env_resource(const Getenv& getenv) {
  auto resource = telemetry::make_resource(env_value(getenv, "OTEL_SERVICE_NAME"),
                                           env_value(getenv, "OTEL_RESOURCE_ATTRIBUTES"), version());
  if (!resource) return fail(resource.error().code, "OTEL_RESOURCE_ATTRIBUTES: " + resource.error().message);
  return resource;
}

Result<std::unique_ptr<telemetry::OtlpExporter>> env_exporter(const Getenv& getenv, std::string_view kind,
                                                              std::string_view signal,
                                                              const net::any_io_executor& executor, bool stdio) {
  if (kind == "stdout") {
    // stdout belongs to the MCP stream under the stdio transport.
    return telemetry::stream_exporter(stdio ? stderr : stdout, stdio ? "stderr" : "stdout");
  }
  const auto protocol = signal_or_general(getenv, signal, "PROTOCOL");
  if (auto p = env_value(getenv, protocol.c_str()); !p.empty() && p != "http/json") {
    return fail(Errc::invalid_argument,
                fmt::format("{}={}: {} are exported as OTLP/HTTP with JSON bodies (http/json) only", protocol,
                            clip(p, 32), signal));
  }
  const auto headers = signal_or_general(getenv, signal, "HEADERS");
  if (!env_value(getenv, headers.c_str()).empty()) {
    return fail(Errc::not_supported,
                fmt::format("{}: headers for the collector are not supported; reach it without credentials (a "
                            "sidecar or node-local collector)",
                            headers));
  }
  const auto endpoint = fmt::format("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal == "traces" ? "TRACES" : "METRICS");
  auto url = telemetry::otlp_url(env_value(getenv, endpoint.c_str()), env_value(getenv, "OTEL_EXPORTER_OTLP_ENDPOINT"),
                                 signal);
  if (!url) return std::unexpected(url.error());
  const auto timeout_name = signal_or_general(getenv, signal, "TIMEOUT");
  auto timeout = env_positive(getenv, timeout_name.c_str(), 10000);
  if (!timeout) return std::unexpected(timeout.error());
  return telemetry::otlp_http_exporter(executor, std::move(*url), std::chrono::milliseconds(*timeout),
                                       fmt::format("the OTLP {} export", signal == "traces" ? "trace" : "metrics"));
}

}  // namespace mcpk::app
