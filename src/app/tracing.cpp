#include "app/tracing.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>

#include "core/version.hpp"

namespace mcpk::app {

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
  auto resource = env_resource(getenv);
  if (!resource) return std::unexpected(resource.error());
  auto queue = env_positive(getenv, "OTEL_BSP_MAX_QUEUE_SIZE", 2048);
  auto batch = env_positive(getenv, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512);
  auto delay = env_positive(getenv, "OTEL_BSP_SCHEDULE_DELAY", 5000);
  for (auto* r : {&queue, &batch, &delay}) {
    if (!*r) return std::unexpected(r->error());
  }
  auto tracing = std::make_unique<Tracing>();
  auto exporter =
      env_exporter(getenv, t.tracing_exporter, "traces", tracing->executor(), options.http.transport == "stdio");
  if (!exporter) return std::unexpected(exporter.error());
  const auto described = (*exporter)->describe();
  tracing->processor = std::make_shared<telemetry::BatchSpanProcessor>(
      tracing->executor(), std::move(*resource), telemetry::Scope{.name = "mcp-kubernetes", .version = version()},
      std::move(*exporter),
      telemetry::BatchOptions{
          .max_queue = *queue, .max_batch = std::min(*batch, *queue), .delay = std::chrono::milliseconds(*delay)});
  auto sink = [processor = tracing->processor](telemetry::SpanData span) { processor->add(std::move(span)); };
  tracing->tracer = std::make_shared<telemetry::Tracer>(telemetry::Sampler(t.traces_sampler_ratio), sink);
  spdlog::info("tracing: spans to {} (sampler: parent-based, ratio {})", described, t.traces_sampler_ratio);
  return tracing;
}

}  // namespace mcpk::app
