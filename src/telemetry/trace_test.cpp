#include "telemetry/trace.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "telemetry/otlp_json.hpp"

namespace mcpk::telemetry {
namespace {

constexpr std::string_view kParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ParsesAndFormatsW3cTraceparent) {
  auto c = parse_traceparent(kParent, "congo=t61rcWkgMzE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id.hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(c->sampled && c->remote);
  EXPECT_EQ(c->tracestate, "congo=t61rcWkgMzE");
  EXPECT_EQ(format_traceparent(*c), kParent);
  auto unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
  // a later version: its first four fields, and more fields after a dash
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
}

TEST(TraceContext, RefusesMalformedTraceparent) {
  for (std::string_view bad : {
           "",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 has no more fields
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // nor glued ones
           "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",    // dashes misplaced
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
       }) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
}

TEST(TraceContext, NewIdsAreValidAndDistinct) {
  std::set<std::string> traces, spans;
  for (int i = 0; i < 1000; ++i) {
    auto t = new_trace_id();
    auto s = new_span_id();
    ASSERT_TRUE(t.valid() && s.valid());
    traces.insert(t.hex());
    spans.insert(s.hex());
  }
  EXPECT_EQ(traces.size(), 1000u);
  EXPECT_EQ(spans.size(), 1000u);
}

TEST(Sampler, ParentBasedTraceIdRatio) {
  auto parent = parse_traceparent(kParent);
  auto unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  const auto id = new_trace_id();
  EXPECT_TRUE(Sampler(0.0).sample(parent, id));  // the parent decides
  EXPECT_FALSE(Sampler(1.0).sample(unsampled, id));
  EXPECT_TRUE(Sampler(1.0).sample(std::nullopt, id));  // a root: the ratio decides
  EXPECT_FALSE(Sampler(0.0).sample(std::nullopt, id));
  int sampled = 0;
  const Sampler quarter(0.25);
  for (int i = 0; i < 20000; ++i) sampled += quarter.sample(std::nullopt, new_trace_id()) ? 1 : 0;
  EXPECT_NEAR(sampled / 20000.0, 0.25, 0.02);
  // the decision depends only on the trace id: every service agrees
  TraceId low, high;
  high.bytes.fill(0xff);
  low.bytes[15] = 1;
  EXPECT_TRUE(quarter.sample(std::nullopt, low));
  EXPECT_FALSE(quarter.sample(std::nullopt, high));
  EXPECT_EQ(Sampler(7.0).ratio(), 1.0);
  EXPECT_EQ(Sampler(-1.0).ratio(), 0.0);
}

std::string attr(const Resource& r, std::string_view key) {
  for (const auto& a : r.attributes)
    if (a.key == key) return std::get<std::string>(a.value);
  return "<none>";
}

TEST(Resource, FromEnvironment) {
  auto r = make_resource("", "deployment.environment=prod, team=a%2Cb,service.name=from-list", "1.2.3");
  ASSERT_TRUE(r);
  EXPECT_EQ(attr(*r, "service.name"), "from-list");
  EXPECT_EQ(attr(*r, "service.version"), "1.2.3");
  EXPECT_EQ(attr(*r, "deployment.environment"), "prod");
  EXPECT_EQ(attr(*r, "team"), "a,b");
  r = make_resource("named", "service.name=from-list", "1");
  ASSERT_TRUE(r);
  EXPECT_EQ(attr(*r, "service.name"), "named");  // OTEL_SERVICE_NAME wins
  r = make_resource("", "", "1");
  ASSERT_TRUE(r);
  EXPECT_EQ(attr(*r, "service.name"), "mcp-kubernetes");
  EXPECT_FALSE(make_resource("", "novalue", "1"));
  EXPECT_FALSE(make_resource("", "=x", "1"));
  EXPECT_FALSE(make_resource("", "k=%zz", "1"));
}

TEST(OtlpJson, EncodesAsTheSpecMapsProtobufToJson) {
  auto r = make_resource("svc", "", "0.1.0");
  ASSERT_TRUE(r);
  SpanData root;
  root.context = *parse_traceparent(kParent);
  root.context.span_id = new_span_id();
  root.context.remote = false;
  root.parent = parse_traceparent(kParent)->span_id;
  root.parent_remote = true;
  root.name = "tools/call k8s_get_resource";
  root.kind = SpanKind::server;
  root.start_unix_ns = 1700000000123456789ull;
  root.end_unix_ns = 1700000000223456789ull;
  root.attributes = {{"gen_ai.tool.name", std::string("k8s_get_resource")},
                     {"http.response.status_code", std::int64_t{200}},
                     {"ratio", 0.5},
                     {"ok", true}};
  root.status = StatusCode::error;
  root.status_message = "tool_error";
  SpanData child;
  child.context.trace_id = root.context.trace_id;
  child.context.span_id = new_span_id();
  child.parent = root.context.span_id;
  child.name = "GET";
  child.kind = SpanKind::client;
  std::vector<SpanData> spans{root, child};
  auto v = boost::json::parse(encode_traces(*r, Scope{"mcp-kubernetes", "0.1.0"}, spans));
  const auto& rs = v.at("resourceSpans").at(0);
  EXPECT_EQ(rs.at("resource").at("attributes").at(0).at("key"), "service.name");
  EXPECT_EQ(rs.at("resource").at("attributes").at(0).at("value").at("stringValue"), "svc");
  const auto& ss = rs.at("scopeSpans").at(0);
  EXPECT_EQ(ss.at("scope").at("name"), "mcp-kubernetes");
  const auto& s0 = ss.at("spans").at(0);
  EXPECT_EQ(s0.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");  // hex, not base64
  EXPECT_EQ(s0.at("parentSpanId"), "00f067aa0ba902b7");
  EXPECT_EQ(s0.at("kind"), 2);                                   // enums as integers
  EXPECT_EQ(s0.at("startTimeUnixNano"), "1700000000123456789");  // int64 as strings
  EXPECT_EQ(s0.at("flags"), 0x301);
  EXPECT_EQ(s0.at("attributes").at(1).at("value").at("intValue"), "200");
  EXPECT_EQ(s0.at("attributes").at(2).at("value").at("doubleValue"), 0.5);
  EXPECT_EQ(s0.at("attributes").at(3).at("value").at("boolValue"), true);
  EXPECT_EQ(s0.at("status").at("code"), 2);
  EXPECT_EQ(s0.at("status").at("message"), "tool_error");
  const auto& s1 = ss.at("spans").at(1).as_object();
  EXPECT_EQ(s1.at("kind"), 3);
  EXPECT_EQ(s1.at("flags"), 0x100);
  EXPECT_FALSE(s1.contains("status"));      // unset: left out
  EXPECT_FALSE(s1.contains("attributes"));  // empty: left out
  EXPECT_FALSE(s1.contains("traceState"));
}

}  // namespace
}  // namespace mcpk::telemetry
