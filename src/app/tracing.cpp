#include "app/tracing.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "core/text.hpp"
#include "core/version.hpp"

namespace mcpk::app {
namespace {

std::string_view env(const Getenv& getenv, const char* name) {
  const char* v = getenv(name);
  return v ? std::string_view(v) : std::string_view{};
}

// OTEL_BSP_* and OTEL_EXPORTER_OTLP_TIMEOUT: a positive integer, or the default when unset.
Result<std::size_t> positive(const Getenv& getenv, const char* name, std::size_t fallback) {
  const auto v = env(getenv, name);
  if (v.empty()) return fallback;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n == 0) {
    return fail(Errc::invalid_argument, fmt::format("{}: \"{}\" is not a positive integer", name, clip(v, 32)));
  }
  return n;
}

}  // namespace

Tracing::Tracing() = default;
Tracing::~Tracing() { stop(); }

void Tracing::run() {
  work_.emplace(io_.get_executor());
  processor->start();
  thread_ = std::thread([this] { io_.run(); });
}

void Tracing::stop() {
  if (!thread_.joinable()) return;
  net::co_spawn(io_, processor->shutdown(), [this](std::exception_ptr) { work_.reset(); });
  thread_.join();
}

Result<std::unique_ptr<Tracing>> make_tracing(const ServeOptions& options, const Getenv& getenv) {
  const auto& t = options.telemetry;
  if (!t.tracing()) return nullptr;
  for (const char* name : {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}) {
    if (auto p = env(getenv, name); !p.empty() && p != "http/json") {
      return fail(
          Errc::invalid_argument,
          fmt::format("{}={}: spans are exported as OTLP/HTTP with JSON bodies (http/json) only", name, clip(p, 32)));
    }
  }
  auto resource =
      telemetry::make_resource(env(getenv, "OTEL_SERVICE_NAME"), env(getenv, "OTEL_RESOURCE_ATTRIBUTES"), version());
  if (!resource) return fail(resource.error().code, "OTEL_RESOURCE_ATTRIBUTES: " + resource.error().message);
  auto queue = positive(getenv, "OTEL_BSP_MAX_QUEUE_SIZE", 2048);
  auto batch = positive(getenv, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512);
  auto delay = positive(getenv, "OTEL_BSP_SCHEDULE_DELAY", 5000);
  auto timeout =
      positive(getenv,
               env(getenv, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT").empty() ? "OTEL_EXPORTER_OTLP_TIMEOUT"
                                                                        : "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
               10000);
  for (auto* r : {&queue, &batch, &delay, &timeout}) {
    if (!*r) return std::unexpected(r->error());
  }
  auto tracing = std::make_unique<Tracing>();
  const auto executor = tracing->executor();
  std::unique_ptr<telemetry::SpanExporter> exporter;
  if (t.tracing_exporter == "otlp") {
    auto url = telemetry::otlp_traces_url(env(getenv, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
                                          env(getenv, "OTEL_EXPORTER_OTLP_ENDPOINT"));
    if (!url) return std::unexpected(url.error());
    if (!env(getenv, "OTEL_EXPORTER_OTLP_HEADERS").empty() ||
        !env(getenv, "OTEL_EXPORTER_OTLP_TRACES_HEADERS").empty()) {
      return fail(Errc::not_supported,
                  "OTEL_EXPORTER_OTLP_HEADERS: headers for the collector are not supported; reach it without "
                  "credentials (a sidecar or node-local collector)");
    }
    exporter = telemetry::otlp_http_exporter(executor, std::move(*url), std::chrono::milliseconds(*timeout));
  } else {
    // stdout belongs to the MCP stream under the stdio transport: spans go to stderr there.
    const bool stdio = options.http.transport == "stdio";
    exporter = telemetry::stream_exporter(stdio ? stderr : stdout, stdio ? "stderr" : "stdout");
  }
  const auto described = exporter->describe();
  tracing->processor = std::make_shared<telemetry::BatchSpanProcessor>(
      executor, std::move(*resource), telemetry::Scope{.name = "mcp-kubernetes", .version = version()},
      std::move(exporter),
      telemetry::BatchOptions{
          .max_queue = *queue, .max_batch = std::min(*batch, *queue), .delay = std::chrono::milliseconds(*delay)});
  auto sink = [processor = tracing->processor](telemetry::SpanData span) { processor->add(std::move(span)); };
  tracing->tracer = std::make_shared<telemetry::Tracer>(telemetry::Sampler(t.traces_sampler_ratio), sink);
  spdlog::info("tracing: spans to {} (sampler: parent-based, ratio {})", described, t.traces_sampler_ratio);
  return tracing;
}

}  // namespace mcpk::app
