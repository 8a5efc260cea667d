#include "kube/rest.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <charconv>

#include "kube/cluster.hpp"
#include "kube/connection_pool.hpp"
#include "kube/rate_limiter.hpp"

namespace mcpk::kube {
namespace {

Task<Result<void>> sleep_for(const net::any_io_executor& ex, Clock::duration d, const CancelTokenPtr& cancel,
                             std::string_view stage) {
  net::steady_timer timer(ex, d);
  auto reg = CancelToken::on_cancel(cancel, [&timer] { timer.cancel(); });
  co_await timer.async_wait(use_tuple);
  if (cancel && cancel->cancelled()) co_return std::unexpected(stopped(cancel, stage));
  co_return Result<void>{};
}

// The wait a 429/503 asks for: Retry-After in delta-seconds (anything else, an HTTP date or
// garbage, waits one second); nullopt when the answer has none.
std::optional<Clock::duration> retry_after(const HttpResponse& res) {
  auto it = res.headers.find("retry-after");
  if (it == res.headers.end()) return std::nullopt;
  int seconds = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), seconds);
  if (ec != std::errc{}) seconds = 1;
  if (seconds < 0) return std::nullopt;
  return std::chrono::seconds(std::clamp(seconds, 0, 60));
}

}  // namespace

RestTransport::RestTransport(Parts parts, RestConfig config, TransportOptions options)
    : parts_(std::move(parts)), config_(std::move(config)), options_(std::move(options)) {}
RestTransport::~RestTransport() = default;

Result<std::shared_ptr<RestTransport>> RestTransport::create(net::any_io_executor executor, RestConfig config,
                                                             TransportOptions options) {
  Cluster cluster(executor, config.context, std::move(options));
  return cluster.transport(config, config_identity(executor, config));
}

net::any_io_executor RestTransport::executor() const { return parts_.pool->executor(); }
const std::string& RestTransport::endpoint() const { return parts_.pool->endpoint(); }
std::size_t RestTransport::connections_opened() const { return parts_.pool->connections_opened(); }
std::size_t RestTransport::idle_connections() const { return parts_.pool->idle_connections(); }

// Waits for a token of the cluster's QPS/burst bucket.
Task<Result<void>> RestTransport::throttle(const CallContext& cc, Clock::duration& waited) {
  const auto wait = parts_.limiter->reserve(Clock::now(), cc.deadline);
  if (!wait) {
    co_return fail(Errc::timeout, "client-side rate limit (--qps-limit) would delay the request past its deadline");
  }
  if (*wait == Clock::duration::zero()) co_return Result<void>{};
  waited += *wait;
  co_return co_await sleep_for(executor(), *wait, cc.cancel, "waiting for the client-side rate limiter (--qps-limit)");
}

Task<Result<Headers>> RestTransport::decorate(RequestEvent& event, const CallContext& cc) {
  Headers headers;
  for (const auto& d : parts_.decorators) {
    if (auto ok = co_await d->decorate(headers, cc); !ok) co_return std::unexpected(ok.error());
  }
  event.impersonated = std::ranges::any_of(headers, [](const auto& h) { return h.first.starts_with("Impersonate-"); });
  headers.insert(headers.end(), event.propagate.begin(), event.propagate.end());
  co_return headers;
}

RequestEvent RestTransport::start_event(std::string_view method, std::string_view target, const CallContext& cc) {
  RequestEvent event;
  event.method = method;
  event.target = target;
  event.endpoint = endpoint();
  event.context = config_.context;
  if (parts_.observer) parts_.observer->on_start(event, cc);
  return event;
}

void RestTransport::observe(const RequestEvent& event, const CallContext& cc) const {
  if (parts_.observer) parts_.observer->on_request(event, cc);
}

Task<Result<HttpResponse>> RestTransport::send(HttpRequest request, const CallContext& cc) {
  const auto started = Clock::now();
  auto event = start_event(request.method, request.target, cc);
  event.attempts = 0;
  auto finish = [&](Result<HttpResponse> r) {
    event.duration = Clock::now() - started;
    if (r) {
      event.status = r->status;
    } else {
      event.error = r.error().code;
    }
    observe(event, cc);
    return r;
  };
  bool reauthenticated = false;
  for (int retries = 0;; ++retries) {
    if (cc.cancel && cc.cancel->cancelled()) co_return finish(fail(Errc::cancelled, cc.cancel->reason()));
    if (!request.probe) {
      if (auto ok = co_await throttle(cc, event.throttled); !ok) co_return finish(std::unexpected(ok.error()));
    }
    auto headers = co_await decorate(event, cc);
    if (!headers) co_return finish(std::unexpected(headers.error()));
    ++event.attempts;
    auto res = co_await parts_.pool->exchange(request, *headers, cc.deadline, cc.cancel, event.attempts);
    if (!res) co_return finish(std::move(res));

    if (res->status == 401 && !reauthenticated) {
      bool refreshed = false;
      for (const auto& d : parts_.decorators) refreshed = d->invalidate() || refreshed;
      if (refreshed) {
        reauthenticated = true;
        continue;
      }
    }
    if ((res->status == 429 || res->status == 503) && retries < options_.max_retries) {
      if (auto wait = retry_after(*res); wait && Clock::now() + *wait < cc.deadline) {
        spdlog::debug("API server {} answered {}; retrying in {}s{}", endpoint(), res->status,
                      std::chrono::duration_cast<std::chrono::seconds>(*wait).count(), cc.scope.trace.log_suffix());
        if (auto ok =
                co_await sleep_for(executor(), *wait, cc.cancel, "waiting to retry after the API server's Retry-After");
            !ok) {
          co_return finish(std::unexpected(ok.error()));
        }
        continue;
      }
    }
    co_return finish(std::move(res));
  }
}

Task<Result<std::unique_ptr<WebSocket>>> RestTransport::websocket(std::string target,
                                                                  std::vector<std::string> protocols,
                                                                  const CallContext& cc) {
  const auto started = Clock::now();
  auto event = start_event("CONNECT", target, cc);
  auto finish = [&](Result<std::unique_ptr<WebSocket>> r) {
    event.duration = Clock::now() - started;
    if (r) {
      event.status = 101;
    } else {
      event.error = r.error().code;
    }
    observe(event, cc);
    return r;
  };
  if (auto ok = co_await throttle(cc, event.throttled); !ok) co_return finish(std::unexpected(ok.error()));
  auto headers = co_await decorate(event, cc);
  if (!headers) co_return finish(std::unexpected(headers.error()));
  auto ws = co_await parts_.pool->upgrade(target, std::move(protocols), std::move(*headers), cc.deadline, cc.cancel,
                                          config_.context);
  co_return finish(std::move(ws));
}

}  // namespace mcpk::kube
