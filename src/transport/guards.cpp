#include "transport/guards.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <optional>

#include "core/single_flight.hpp"
#include "jsonrpc/message.hpp"

namespace mcpk::transport {
namespace {

bool local_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]";
}

// The host part of a Host header ("example.com:8080" → "example.com").
std::string_view host_only(std::string_view h) {
  if (h.starts_with('[')) return h.substr(0, h.find(']') + 1);
  return h.substr(0, h.find(':'));
}

Reply forbidden(const Request& req, std::string_view why) {
  return Reply::whole(json_response(req, http::status::forbidden,
                                    jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest, std::string(why))));
}

}  // namespace

Middleware origin_guard(std::vector<std::string> allowed) {
  const bool any = std::ranges::find(allowed, "*") != allowed.end();
  auto origin_ok = [allowed, any](std::string_view origin) {
    if (any || std::ranges::find(allowed, origin) != allowed.end()) return true;
    auto u = boost::urls::parse_absolute_uri(origin);
    return u && local_host(u->host());
  };
  auto host_ok = [allowed, any](std::string_view host) {
    if (host.empty() || any) return true;
    const auto h = host_only(host);
    if (local_host(h)) return true;
    return std::ranges::any_of(allowed, [h](const std::string& o) {
      auto u = boost::urls::parse_absolute_uri(o);
      return u && u->host() == h;
    });
  };
  return [origin_ok, host_ok](Exchange& x, const Handler& next) -> Task<Reply> {
    if (auto origin = x.req[http::field::origin]; !origin.empty() && !origin_ok(origin)) {
      co_return forbidden(x.req, "Forbidden: origin not allowed");
    }
    if (!host_ok(x.req[http::field::host])) co_return forbidden(x.req, "Forbidden: host not allowed");
    co_return co_await next(x);
  };
}

struct Health::Impl {
  net::any_io_executor executor;
  std::function<Task<Result<void>>()> check;
  std::chrono::milliseconds ttl;
  bool stopping = false;
  SingleFlight<Result<void>> flight;
  std::optional<Result<void>> last;
  std::chrono::steady_clock::time_point at{};

  Impl(net::any_io_executor ex, std::function<Task<Result<void>>()> c, std::chrono::milliseconds t)
      : executor(std::move(ex)), check(std::move(c)), ttl(t) {}

  Task<Result<void>> ready() {
    if (!check) co_return Result<void>{};
    for (;;) {
      if (last && std::chrono::steady_clock::now() - at < ttl) co_return *last;
      if (flight.busy()) {
        if (auto shared = co_await flight.join()) co_return *shared;
        continue;
      }
      auto lead = flight.lead(executor);
      auto r = co_await check();
      last = r;
      at = std::chrono::steady_clock::now();
      co_return lead.finish(std::move(r));
    }
  }
};

Health::Health(net::any_io_executor executor, std::function<Task<Result<void>>()> check, std::chrono::milliseconds ttl)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(check), ttl)) {}
Health::~Health() = default;

Handler Health::healthz() const {
  return [](Exchange& x) -> Task<Reply> { co_return Reply::whole(text_response(x.req, http::status::ok, "ok\n")); };
}

Handler Health::readyz() {
  return [impl = impl_](Exchange& x) -> Task<Reply> {
    if (impl->stopping) {
      co_return Reply::whole(text_response(x.req, http::status::service_unavailable, "not ready: shutting down\n"));
    }
    auto ready = co_await impl->ready();
    if (!ready) {
      co_return Reply::whole(
          text_response(x.req, http::status::service_unavailable, "not ready: " + ready.error().message + "\n"));
    }
    co_return Reply::whole(text_response(x.req, http::status::ok, "ok\n"));
  };
}

void Health::begin_shutdown() { impl_->stopping = true; }

}  // namespace mcpk::transport
