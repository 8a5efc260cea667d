#include "telemetry/span_export.hpp"

#include <boost/asio/post.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/url/parse.hpp>
#include <vector>

#include "core/text.hpp"
#include "transport/http_client.hpp"

namespace mcpk::telemetry {
namespace {

class OtlpHttpExporter final : public OtlpExporter {
 public:
  OtlpHttpExporter(net::any_io_executor executor, std::string url, std::chrono::milliseconds timeout, std::string what)
      : executor_(std::move(executor)), url_(std::move(url)), timeout_(timeout), what_(std::move(what)) {}

  Task<Result<void>> send(std::string body) override {
    transport::FetchRequest req;
    req.method = boost::beast::http::verb::post;
    req.url = url_;
    req.content_type = "application/json";
    req.body = std::move(body);
    transport::FetchOptions o;
    o.timeout = timeout_;
    o.max_body = 64 * 1024;
    o.what = what_;
    auto res = co_await transport::fetch(executor_, std::move(req), std::move(o));
    if (!res) co_return std::unexpected(res.error());
    // OTLP/HTTP: 200 is success (a partial success still says how many were rejected).
    if (res->status != 200) {
      co_return fail(Errc::unavailable,
                     fmt::format("the collector at {} answered HTTP {}: {}", url_, res->status, clip(res->body, 200)));
    }
    co_return Result<void>{};
  }
  std::string describe() const override { return "OTLP/HTTP (JSON) " + url_; }

 private:
  net::any_io_executor executor_;
  std::string url_;
  std::chrono::milliseconds timeout_;
  std::string what_;
};

class StreamExporter final : public OtlpExporter {
 public:
  StreamExporter(std::FILE* out, std::string name) : out_(out), name_(std::move(name)) {}
  Task<Result<void>> send(std::string body) override {
    body += '\n';
    if (std::fwrite(body.data(), 1, body.size(), out_) != body.size() || std::fflush(out_) != 0) {
      co_return fail(Errc::unavailable, fmt::format("cannot write spans to {}", name_));
    }
    co_return Result<void>{};
  }
  std::string describe() const override { return name_; }

 private:
  std::FILE* out_;
  std::string name_;
};

}  // namespace

std::unique_ptr<OtlpExporter> otlp_http_exporter(net::any_io_executor executor, std::string url,
                                                 std::chrono::milliseconds timeout, std::string what) {
  return std::make_unique<OtlpHttpExporter>(std::move(executor), std::move(url), timeout, std::move(what));
}

std::unique_ptr<OtlpExporter> stream_exporter(std::FILE* out, std::string name) {
  return std::make_unique<StreamExporter>(out, std::move(name));
}

Result<std::string> otlp_url(std::string_view signal_endpoint, std::string_view endpoint, std::string_view signal) {
  std::string url;
  if (!signal_endpoint.empty()) {
    url = std::string(signal_endpoint);
  } else {
    url = endpoint.empty() ? std::string("http://localhost:4318") : std::string(endpoint);
    while (url.ends_with('/')) url.pop_back();
    url += fmt::format("/v1/{}", signal);
  }
  auto u = boost::urls::parse_absolute_uri(url);
  const auto which = signal_endpoint.empty()
                         ? std::string("OTEL_EXPORTER_OTLP_ENDPOINT")
                         : fmt::format("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal == "traces" ? "TRACES" : "METRICS");
  if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty()) {
    return fail(Errc::invalid_argument,
                fmt::format("{}: \"{}\" is not an http(s) URL such as http://collector:4318", which, clip(url, 200)));
  }
  if (u->has_userinfo())
    return fail(Errc::invalid_argument, fmt::format("{}: credentials do not belong in the URL", which));
  return url;
}

BatchSpanProcessor::BatchSpanProcessor(net::any_io_executor executor, Resource resource, Scope scope,
                                       std::unique_ptr<OtlpExporter> exporter, BatchOptions options)
    : resource_(std::move(resource)),
      scope_(std::move(scope)),
      exporter_(std::move(exporter)),
      options_(options),
      wake_(executor) {}

void BatchSpanProcessor::add(SpanData span) {
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_queue) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(span));
    // A full batch goes now: wake the loop (once) on its own executor.
    if (queue_.size() >= options_.max_batch && !wake_posted_) wake = wake_posted_ = true;
  }
  if (wake) {
    net::post(wake_.get_executor(), [self = shared_from_this()] {
      {
        const std::lock_guard lock(self->mutex_);
        self->wake_posted_ = false;
      }
      self->wake_.cancel();
    });
  }
}

BatchSpanProcessor::Stats BatchSpanProcessor::stats() const {
  return {.exported = exported_.load(std::memory_order_relaxed),
          .dropped = dropped_.load(std::memory_order_relaxed),
          .failed = failed_.load(std::memory_order_relaxed)};
}

void BatchSpanProcessor::start() {
  if (running_) return;
  running_ = true;
  net::co_spawn(wake_.get_executor(), loop(), net::detached);
}

std::vector<SpanData> BatchSpanProcessor::take_batch() {
  const std::lock_guard lock(mutex_);
  const auto n = std::min(queue_.size(), options_.max_batch);
  std::vector<SpanData> batch(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  return batch;
}

Task<void> BatchSpanProcessor::loop() {
  auto self = shared_from_this();
  for (;;) {
    std::size_t queued = 0;
    bool stopping = false;
    {
      const std::lock_guard lock(mutex_);
      queued = queue_.size();
      stopping = stopping_;
    }
    if (stopping) break;
    if (queued < options_.max_batch) {
      wake_.expires_after(options_.delay);
      co_await wake_.async_wait(use_tuple);
    }
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    co_await export_some();
  }
  running_ = false;
}

Task<void> BatchSpanProcessor::export_some() {
  if (exporting_) co_return;
  auto batch = take_batch();
  if (batch.empty()) co_return;
  exporting_ = true;
  const auto n = batch.size();
  auto body = encode_traces(resource_, scope_, batch);
  batch = {};
  auto sent = co_await exporter_->send(std::move(body));
  if (sent) {
    exported_.fetch_add(n, std::memory_order_relaxed);
  } else {
    failed_.fetch_add(n, std::memory_order_relaxed);
    spdlog::warn("tracing: {} spans not exported to {}: {}", n, exporter_->describe(), sent.error().message);
  }
  exporting_ = false;
}

Task<void> BatchSpanProcessor::shutdown() {
  auto self = shared_from_this();
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.cancel();
  net::steady_timer pause(wake_.get_executor());
  for (;;) {
    bool empty = false;
    {
      const std::lock_guard lock(mutex_);
      empty = queue_.empty();
    }
    if (empty && !exporting_) break;
    if (exporting_) {  // the loop's export in flight ends within the exporter's timeout
      pause.expires_after(std::chrono::milliseconds(10));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    co_await export_some();
  }
}

}  // namespace mcpk::telemetry
