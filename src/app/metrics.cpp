#include "app/metrics.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "core/version.hpp"

namespace mcpk::app {

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::listen(net::io_context& io, const TelemetryOptions& options,
                                                                 std::shared_ptr<telemetry::Metrics> metrics) {
  auto addr = transport::parse_listen_address(options.metrics_addr);
  if (!addr) return std::unexpected(addr.error());
  std::unique_ptr<MetricsEndpoint> self(new MetricsEndpoint());
  self->metrics_ = std::move(metrics);
  self->router_.add("/metrics", [m = self->metrics_](transport::Exchange& x) -> Task<transport::Reply> {
    namespace http = transport::http;
    if (x.req.method() != http::verb::get && x.req.method() != http::verb::head) {
      auto res = transport::text_response(x.req, http::status::method_not_allowed, "GET /metrics\n");
      res.set(http::field::allow, "GET, HEAD");
      co_return transport::Reply::whole(std::move(res));
    }
    co_return transport::Reply::whole(
        transport::text_response(x.req, http::status::ok, m->expose(), "text/plain; version=0.0.4; charset=utf-8"));
  });
  self->server_ = std::make_unique<transport::HttpServer>(
      io, self->router_,
      transport::HttpServerOptions{.address = addr->first, .port = addr->second, .max_body_bytes = 4096});
  if (auto ok = self->server_->listen(); !ok) {
    return fail(ok.error().code, "--metrics-addr: " + ok.error().message);
  }
  spdlog::info("Prometheus metrics on {}:{}/metrics", addr->first, self->server_->port());
  return self;
}

Task<void> MetricsEndpoint::run() { co_await server_->run(); }
void MetricsEndpoint::stop() { server_->stop(); }
std::uint16_t MetricsEndpoint::port() const { return server_->port(); }

Result<std::unique_ptr<MetricsOutput>> MetricsOutput::make(net::io_context& io, const ServeOptions& options,
                                                           std::shared_ptr<telemetry::Metrics> metrics,
                                                           const Getenv& getenv) {
  std::unique_ptr<MetricsOutput> self(new MetricsOutput());
  self->io_ = &io;
  const auto& kind = options.telemetry.metrics_exporter;
  if (kind == "prometheus") {
    auto listening = MetricsEndpoint::listen(io, options.telemetry, std::move(metrics));
    if (!listening) return std::unexpected(listening.error());
    self->endpoint_ = std::move(*listening);
    return self;
  }
  auto resource = env_resource(getenv);
  if (!resource) return std::unexpected(resource.error());
  auto interval = env_positive(getenv, "OTEL_METRIC_EXPORT_INTERVAL", 60000);
  if (!interval) return std::unexpected(interval.error());
  auto exporter = env_exporter(getenv, kind, "metrics", io.get_executor(), options.http.transport == "stdio");
  if (!exporter) return std::unexpected(exporter.error());
  spdlog::info("metrics: pushed to {} every {} ms", (*exporter)->describe(), *interval);
  self->reader_ = std::make_shared<telemetry::PeriodicMetricReader>(
      io.get_executor(), std::move(metrics), std::move(*resource),
      telemetry::Scope{.name = "mcp-kubernetes", .version = version()}, std::move(*exporter),
      std::chrono::milliseconds(*interval));
  return self;
}

void MetricsOutput::start(std::function<void(std::exception_ptr)> on_done) {
  if (endpoint_) net::co_spawn(*io_, endpoint_->run(), std::move(on_done));
  if (reader_) reader_->start();
}

void MetricsOutput::stop() {
  if (endpoint_) endpoint_->stop();
  if (reader_) {
    net::co_spawn(*io_, reader_->shutdown(), net::detached);
    reader_ = nullptr;  // once
  }
}

}  // namespace mcpk::app
