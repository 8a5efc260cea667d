#include "app/metrics.hpp"

#include <spdlog/spdlog.h>

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

}  // namespace mcpk::app
