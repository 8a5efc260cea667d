#include "telemetry/span_export.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "transport/http_server.hpp"
#include "transport/router.hpp"

namespace mcpk::telemetry {
namespace {

using namespace std::chrono_literals;

class Recorder final : public OtlpExporter {
 public:
  explicit Recorder(std::vector<std::string>& bodies, bool ok = true) : bodies_(bodies), ok_(ok) {}
  Task<Result<void>> send(std::string body) override {
    bodies_.push_back(std::move(body));
    if (!ok_) co_return fail(Errc::unavailable, "collector down");
    co_return Result<void>{};
  }
  std::string describe() const override { return "recorder"; }

 private:
  std::vector<std::string>& bodies_;
  bool ok_;
};

SpanData span(std::string name) {
  SpanData s;
  s.context.trace_id = new_trace_id();
  s.context.span_id = new_span_id();
  s.context.sampled = true;
  s.name = std::move(name);
  return s;
}

std::size_t spans_in(const std::string& body) {
  return boost::json::parse(body).at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().size();
}

Resource resource() { return *make_resource("test", "", "0"); }

template <class F>
void run(net::io_context& io, F body) {
  net::co_spawn(io, body(), net::detached);
  io.run_for(10s);
}

TEST(OtlpUrl, FollowsTheExporterSpec) {
  EXPECT_EQ(*otlp_url("", "http://collector:4318", "traces"), "http://collector:4318/v1/traces");
  EXPECT_EQ(*otlp_url("", "https://collector:4318/", "traces"), "https://collector:4318/v1/traces");
  EXPECT_EQ(*otlp_url("http://c:4318/custom", "http://ignored", "traces"), "http://c:4318/custom");
  EXPECT_EQ(*otlp_url("", "", "traces"), "http://localhost:4318/v1/traces");
  EXPECT_FALSE(otlp_url("", "collector:4318", "traces"));
  EXPECT_FALSE(otlp_url("", "ftp://collector", "traces"));
  EXPECT_FALSE(otlp_url("", "http://user:pw@collector:4318", "traces"));
}

TEST(BatchSpanProcessor, BatchesBoundsAndFlushesOnShutdown) {
  net::io_context io;
  std::vector<std::string> bodies;
  BatchOptions o{.max_queue = 5, .max_batch = 3, .delay = 1h};
  auto p = std::make_shared<BatchSpanProcessor>(io.get_executor(), resource(), Scope{},
                                                std::make_unique<Recorder>(bodies), o);
  p->start();
  run(io, [&]() -> Task<void> {
    for (int i = 0; i < 7; ++i) p->add(span("s" + std::to_string(i)));  // 5 fit, 2 dropped
    net::steady_timer t(io, 50ms);
    co_await t.async_wait(use_tuple);  // a full batch went at once, not after the hour
    EXPECT_EQ(bodies.size(), 1u);
    co_await p->shutdown();  // the rest goes at shutdown
    p->add(span("late"));    // and nothing after it
  });
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(spans_in(bodies[0]), 3u);
  EXPECT_EQ(spans_in(bodies[1]), 2u);
  EXPECT_EQ(p->stats().exported, 5u);
  EXPECT_EQ(p->stats().dropped, 3u);
}

TEST(BatchSpanProcessor, AFailedExportDropsItsBatch) {
  net::io_context io;
  std::vector<std::string> bodies;
  auto p = std::make_shared<BatchSpanProcessor>(io.get_executor(), resource(), Scope{},
                                                std::make_unique<Recorder>(bodies, false), BatchOptions{.delay = 10ms});
  p->start();
  run(io, [&]() -> Task<void> {
    p->add(span("a"));
    net::steady_timer t(io, 100ms);
    co_await t.async_wait(use_tuple);
    co_await p->shutdown();
  });
  EXPECT_EQ(bodies.size(), 1u);  // not retried
  EXPECT_EQ(p->stats().failed, 1u);
  EXPECT_EQ(p->stats().exported, 0u);
}

TEST(OtlpHttpExporter, PostsJsonToTheCollector) {
  net::io_context io;
  transport::Router router;
  std::vector<std::string> received;
  std::string content_type;
  router.add("/v1/traces", [&](transport::Exchange& x) -> Task<transport::Reply> {
    received.push_back(x.req.body());
    content_type = std::string(x.req[boost::beast::http::field::content_type]);
    co_return transport::Reply::whole(
        transport::json_response(x.req, boost::beast::http::status::ok, boost::json::object{}));
  });
  transport::HttpServerOptions so;
  so.address = "127.0.0.1";
  so.port = 0;
  so.shutdown_timeout = 100ms;
  transport::HttpServer server(io, router, so);
  ASSERT_TRUE(server.listen());
  net::co_spawn(io, server.run(), net::detached);
  const auto url = fmt::format("http://127.0.0.1:{}/v1/traces", server.port());
  auto p = std::make_shared<BatchSpanProcessor>(io.get_executor(), resource(), Scope{},
                                                otlp_http_exporter(io.get_executor(), url, 2s), BatchOptions{});
  p->start();
  // a collector that is not there: the export fails within its timeout, nothing hangs
  auto dead = std::make_shared<BatchSpanProcessor>(
      io.get_executor(), resource(), Scope{}, otlp_http_exporter(io.get_executor(), "http://127.0.0.1:1/v1/traces", 2s),
      BatchOptions{});
  run(io, [&]() -> Task<void> {
    p->add(span("tools/call k8s_get_resource"));
    dead->add(span("lost"));
    co_await p->shutdown();
    co_await dead->shutdown();
    server.stop();
  });
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(content_type, "application/json");
  EXPECT_EQ(spans_in(received[0]), 1u);
  EXPECT_EQ(p->stats().exported, 1u);
  EXPECT_EQ(dead->stats().failed, 1u);
  EXPECT_NE(p->exporter().describe().find(url), std::string::npos);
}

}  // namespace
}  // namespace mcpk::telemetry
