// Tracing adapters in memory: the tracer's sampling and parents, the MCP request span (its
// name, attributes, parent from _meta or the transport, error.type), the Kubernetes CLIENT
// span and the traceparent it sends, and what an API path says.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <boost/json.hpp>
#include <cmath>

#include "mcp/tool_test_support.hpp"
#include "telemetry/otlp_json.hpp"
#include "telemetry/tracing.hpp"

namespace mcpk::telemetry {
namespace {

constexpr std::string_view kCaller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

struct Recorder {
  std::vector<SpanData> spans;
  std::shared_ptr<Tracer> tracer(double ratio = 1.0) {
    return std::make_shared<Tracer>(Sampler(ratio), [this](SpanData d) { spans.push_back(std::move(d)); });
  }
};

const AttributeValue* attr(const SpanData& s, std::string_view key) {
  for (const auto& a : s.attributes) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}
std::string str(const SpanData& s, std::string_view key) {
  const auto* v = attr(s, key);
  return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : std::string("<none>");
}

TEST(Tracer, ChildrenKeepTheTraceAndRootsFollowTheRatio) {
  Recorder r;
  auto tracer = r.tracer();
  {
    auto root = tracer->start("root", SpanKind::server, std::nullopt);
    auto child = tracer->start("child", SpanKind::internal, root.context());
    EXPECT_EQ(child.context().trace_id, root.context().trace_id);
    auto moved = std::move(child);  // a moved span ends once
    moved.set("k", std::int64_t{1});
  }
  ASSERT_EQ(r.spans.size(), 2u);
  EXPECT_EQ(r.spans[0].name, "child");
  EXPECT_EQ(r.spans[0].parent, r.spans[1].context.span_id);
  EXPECT_GE(r.spans[0].end_unix_ns, r.spans[0].start_unix_ns);

  Recorder none;
  auto off = none.tracer(0.0);
  auto span = off.get()->start("root", SpanKind::server, std::nullopt);
  EXPECT_TRUE(span.context().valid());  // ids for propagation, flag 00
  EXPECT_TRUE(span.traceparent().ends_with("-00"));
  span.end();
  // A sampled remote parent wins over the ratio (parent-based).
  auto followed = off->start("x", SpanKind::server, kCaller, "");
  EXPECT_EQ(followed.context().trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  followed.end();
  ASSERT_EQ(none.spans.size(), 1u);
  EXPECT_TRUE(none.spans[0].parent_remote);
  // A malformed parent starts a new trace.
  auto fresh = tracer->start("y", SpanKind::server, "00-zz-zz-01", "");
  EXPECT_NE(fresh.context().trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(OtlpJson, TextFromOutsideIsEscapedAndNonFiniteNumbersAreStrings) {
  SpanData d;
  d.context.trace_id = new_trace_id();
  d.context.span_id = new_span_id();
  d.name = "tools/call \"quoted\"\n\x01";
  d.attributes = {{"url.path", std::string("/a\\b\t")}, {"nan", std::nan("")}, {"inf", -1.0 / 0.0}};
  d.status = StatusCode::error;
  d.status_message = "bad \"thing\"";
  const std::vector<SpanData> spans{d};
  auto v = boost::json::parse(encode_traces(Resource{}, Scope{}, spans));
  const auto& s = v.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_EQ(s.at("name"), "tools/call \"quoted\"\n\x01");
  EXPECT_EQ(s.at("attributes").at(0).at("value").at("stringValue"), "/a\\b\t");
  EXPECT_EQ(s.at("attributes").at(1).at("value").at("doubleValue"), "NaN");
  EXPECT_EQ(s.at("attributes").at(2).at("value").at("doubleValue"), "-Infinity");
  EXPECT_EQ(s.at("status").at("message"), "bad \"thing\"");
}

TEST(ApiTarget, TemplatesHoldNoNamesAndVerbsAreTheAuditLogs) {
  auto t = describe_api_target("GET", "/api/v1/namespaces/prod/pods/web-1/log?container=a");
  EXPECT_EQ(t.url_template, "/api/v1/namespaces/{namespace}/pods/{name}/log");
  EXPECT_EQ(t.ns, "prod");
  EXPECT_EQ(t.resource, "pods");
  EXPECT_EQ(t.subresource, "log");
  EXPECT_EQ(t.verb, "get");
  t = describe_api_target("GET", "/apis/apps/v1/deployments?limit=500");
  EXPECT_EQ(t.url_template, "/apis/apps/v1/deployments");
  EXPECT_EQ(t.group, "apps");
  EXPECT_EQ(t.verb, "list");
  EXPECT_EQ(describe_api_target("GET", "/api/v1/pods?watch=true").verb, "watch");
  EXPECT_EQ(describe_api_target("DELETE", "/api/v1/namespaces/a/pods").verb, "deletecollection");
  EXPECT_EQ(describe_api_target("PATCH", "/apis/apps/v1/namespaces/a/deployments/d/scale").verb, "patch");
  t = describe_api_target("GET", "/api/v1/namespaces/kube-system");
  EXPECT_EQ(t.url_template, "/api/v1/namespaces/{name}");
  EXPECT_EQ(t.resource, "namespaces");
  EXPECT_EQ(t.verb, "get");
  EXPECT_EQ(describe_api_target("CONNECT", "/api/v1/namespaces/a/pods/p/exec?command=ls").verb, "connect");
  EXPECT_EQ(describe_api_target("GET", "/version").url_template, "/version");
}

TEST(ApiTracing, ASpanPerRequestUnderTheCallsSpanAndItsTraceparentSent) {
  Recorder r;
  auto observer = api_tracing(r.tracer());
  kube::CallContext cc{kube::Clock::now(), nullptr, RequestScope{}};
  kube::RequestEvent untraced;
  observer->on_start(untraced, cc);  // no trace: no header, no span
  observer->on_request(untraced, cc);
  EXPECT_TRUE(untraced.propagate.empty());
  EXPECT_TRUE(r.spans.empty());

  cc.scope.trace.traceparent = std::string(kCaller);
  cc.scope.trace.tracestate = "vendor=1";
  kube::RequestEvent e;
  e.method = "GET";
  e.target = "/api/v1/namespaces/default/pods?limit=10";
  e.endpoint = "https://10.0.0.1:6443";
  e.context = "prod";
  observer->on_start(e, cc);
  ASSERT_EQ(e.propagate.size(), 2u);
  EXPECT_EQ(e.propagate[0].first, "traceparent");
  EXPECT_TRUE(e.propagate[0].second.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
  EXPECT_EQ(e.propagate[1], (std::pair<std::string, std::string>{"tracestate", "vendor=1"}));
  e.status = 403;
  e.attempts = 2;
  e.impersonated = true;
  e.duration = std::chrono::milliseconds(12);
  observer->on_request(e, cc);
  ASSERT_EQ(r.spans.size(), 1u);
  const auto& s = r.spans[0];
  EXPECT_EQ(s.name, "GET /api/v1/namespaces/{namespace}/pods");
  EXPECT_EQ(s.kind, SpanKind::client);
  EXPECT_EQ(s.parent.hex(), "00f067aa0ba902b7");
  EXPECT_EQ(format_traceparent(s.context), e.propagate[0].second);
  EXPECT_EQ(s.end_unix_ns - s.start_unix_ns, 12'000'000u);
  EXPECT_EQ(str(s, "server.address"), "10.0.0.1");
  EXPECT_EQ(std::get<std::int64_t>(*attr(s, "server.port")), 6443);
  EXPECT_EQ(str(s, "url.full"), "https://10.0.0.1:6443/api/v1/namespaces/default/pods?limit=10");
  EXPECT_EQ(std::get<std::int64_t>(*attr(s, "http.response.status_code")), 403);
  EXPECT_EQ(std::get<std::int64_t>(*attr(s, "http.request.resend_count")), 1);
  EXPECT_EQ(str(s, "k8s.namespace.name"), "default");
  EXPECT_EQ(str(s, "k8s.api.verb"), "list");
  EXPECT_EQ(str(s, "k8s.cluster.name"), "prod");
  EXPECT_TRUE(std::get<bool>(*attr(s, "k8s.impersonated")));
  EXPECT_EQ(str(s, "error.type"), "403");
  EXPECT_EQ(s.status, StatusCode::error);
}

Task<void> call(mcp::Session& s, json::object message, RequestScope scope, std::optional<json::object>& out) {
  mcp::Session::Send related = [](json::object) {};
  out = co_await s.handle_text(to_json(message), related, std::move(scope));
}

TEST(McpTracing, ASpanPerRequestNamedByMethodAndToolWithTheConventionsAttributes) {
  Recorder r;
  mcp::ServerOptions o;
  o.request_middleware = mcp_tracing(r.tracer());
  mcp::Server server(mcp::ServerInfo{.version = "test", .instructions = ""}, o);
  std::string seen;  // the trace context the tool runs under
  server.add_tool(mcp::read_only_tool("echo", [&seen](mcp::ToolContext& ctx) -> Task<mcp::ToolResult> {
    seen = ctx.scope().trace.traceparent;
    co_return mcp::ToolResult::text("ok");
  }));
  server.add_tool(mcp::read_only_tool(
      "fails", [](mcp::ToolContext&) -> Task<mcp::ToolResult> { co_return mcp::ToolResult::error("no"); }));
  mcp::Session session(server);
  net::io_context io;
  std::optional<json::object> out;
  const json::object meta{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                          {"io.modelcontextprotocol/clientCapabilities", json::object{}},
                          {"traceparent", std::string(kCaller)}};
  RequestScope scope;
  scope.network_transport = "tcp";
  scope.trace.traceparent = "00-11111111111111111111111111111111-2222222222222222-01";  // the HTTP span
  auto send = [&](json::object m) {
    net::co_spawn(io, call(session, std::move(m), scope, out), net::detached);
    io.restart();
    io.run();
  };
  send(json::object{{"jsonrpc", "2.0"},
                    {"id", "r-1"},
                    {"method", "tools/call"},
                    {"params", json::object{{"name", "echo"}, {"_meta", meta}}}});
  ASSERT_EQ(r.spans.size(), 1u);
  auto s = r.spans[0];
  EXPECT_EQ(s.name, "tools/call echo");
  EXPECT_EQ(s.context.trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");  // _meta wins
  EXPECT_EQ(s.parent.hex(), "00f067aa0ba902b7");
  EXPECT_EQ(seen, format_traceparent(s.context));
  EXPECT_EQ(str(s, "mcp.method.name"), "tools/call");
  EXPECT_EQ(str(s, "gen_ai.tool.name"), "echo");
  EXPECT_EQ(str(s, "gen_ai.operation.name"), "execute_tool");
  EXPECT_EQ(str(s, "mcp.protocol.version"), "2026-07-28");
  EXPECT_EQ(str(s, "jsonrpc.request.id"), "r-1");
  EXPECT_EQ(str(s, "network.transport"), "tcp");
  EXPECT_EQ(str(s, "error.type"), "<none>");
  EXPECT_EQ(s.status, StatusCode::unset);

  json::object plain_meta = meta;
  plain_meta.erase("traceparent");
  send(json::object{{"jsonrpc", "2.0"},
                    {"id", 2},
                    {"method", "tools/call"},
                    {"params", json::object{{"name", "fails"}, {"_meta", plain_meta}}}});
  ASSERT_EQ(r.spans.size(), 2u);
  s = r.spans[1];
  EXPECT_EQ(s.parent.hex(), "2222222222222222");  // no _meta context: the transport's
  EXPECT_EQ(str(s, "error.type"), "tool_error");
  EXPECT_EQ(str(s, "jsonrpc.request.id"), "2");
  EXPECT_EQ(s.status, StatusCode::error);

  send(json::object{{"jsonrpc", "2.0"}, {"id", 3}, {"method", "nope"}, {"params", json::object{{"_meta", meta}}}});
  ASSERT_EQ(r.spans.size(), 3u);
  EXPECT_EQ(r.spans[2].name, "nope");
  EXPECT_EQ(str(r.spans[2], "error.type"), "-32601");
  EXPECT_EQ(r.spans[2].status, StatusCode::error);
}

}  // namespace
}  // namespace mcpk::telemetry
