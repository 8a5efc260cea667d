// Session in memory: both eras, the request scope reaching the tool, cancellation, timeouts.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "mcp/server.hpp"
#include "mcp/tool_test_support.hpp"

namespace mcpk::mcp {
namespace {

const json::object kModernMeta{{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                               {"io.modelcontextprotocol/clientCapabilities", json::object{}}};

// A server with "whoami" (answers the caller's key) and "wait" (sleeps until cancelled).
Server make_server(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  ServerOptions o;
  o.tool_timeout = timeout;
  Server s(ServerInfo{.version = "test", .instructions = ""}, o);
  s.add_tool(read_only_tool("whoami", [](ToolContext& ctx) -> Task<ToolResult> {
    co_return ToolResult::text(ctx.caller().key + " " + ctx.scope().trace.traceparent);
  }));
  s.add_tool(read_only_tool("wait", [](ToolContext& ctx) -> Task<ToolResult> {
    net::steady_timer t(co_await net::this_coro::executor, std::chrono::seconds(30));
    auto reg = CancelToken::on_cancel(ctx.cancel_token(), [&t] { t.cancel(); });
    co_await t.async_wait(use_tuple);
    co_return ToolResult::error("stopped");
  }));
  return s;
}

json::object request(int id, std::string method, json::object params = {}) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", std::move(method)}, {"params", std::move(params)}};
}

Task<void> run(Session& s, std::string text, RequestScope scope, std::vector<std::optional<json::object>>& out) {
  Session::Send related = [](json::object) {};
  auto r = co_await s.handle_text(text, related, std::move(scope));
  out.push_back(std::move(r));
}

// Sends messages through a session; collects the responses (nullopt for none).
struct Harness {
  net::io_context io;
  std::vector<std::optional<json::object>> responses;

  void send(Session& s, const json::object& message, RequestScope scope = {}) {
    net::co_spawn(io, run(s, to_json(message), std::move(scope), responses), net::detached);
  }
};

std::string text_of(const std::optional<json::object>& r) {
  const json::value v = *r;
  const auto* content = find_path(v, {"result", "content"});
  return content ? std::string(content->as_array().at(0).as_object().at("text").as_string()) : "";
}

// The value at `path` in the response (null when absent), by value.
json::value at(const std::optional<json::object>& r, std::initializer_list<std::string_view> path) {
  const json::value v = *r;
  const auto* p = find_path(v, path);
  return p ? *p : json::value();
}

}  // namespace

TEST(Session, SessionEraNeedsInitializeThenCallsTools) {
  auto server = make_server();
  Session s(server);
  Harness h;
  h.send(s, request(1, "tools/list"));
  h.io.run();
  ASSERT_TRUE(h.responses[0]);
  EXPECT_EQ(at(h.responses[0], {"error", "code"}).as_int64(), jsonrpc::kInvalidRequest);
  h.send(s, request(2, "initialize", json::object{{"protocolVersion", "2025-06-18"}}));
  h.io.restart();
  h.io.run();
  EXPECT_EQ(s.protocol_version(), "2025-06-18");
  RequestScope scope;
  auto alice = std::make_shared<Caller>();
  alice->key = "alice";
  scope.caller = alice;
  scope.trace.traceparent = "00-abc-def-01";
  h.send(s, request(3, "tools/call", json::object{{"name", "whoami"}}), scope);
  h.io.restart();
  h.io.run();
  EXPECT_EQ(text_of(h.responses[2]), "alice 00-abc-def-01");
}

TEST(Session, StatelessEraNeedsNoInitializeAndTheScopeDefaultsToTheLocalUser) {
  auto server = make_server();
  Session s(server);
  Harness h;
  h.send(s, request(1, "tools/call", json::object{{"name", "whoami"}, {"_meta", kModernMeta}}));
  h.io.run();
  EXPECT_EQ(text_of(h.responses[0]), "local ");
  EXPECT_EQ(at(h.responses[0], {"result", "resultType"}).as_string(), "complete");
  EXPECT_FALSE(s.initialized());
}

TEST(Session, ClientCancellationAndTimeoutStopTheCall) {
  auto server = make_server(std::chrono::milliseconds(100));
  Session s(server);
  Harness h;
  h.send(s, request(1, "initialize", json::object{{"protocolVersion", "2025-11-25"}}));
  h.send(s, request(2, "tools/call", json::object{{"name", "wait"}}));
  h.send(s, request(3, "tools/call", json::object{{"name", "wait"}}));
  h.send(s, json::object{
                {"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", json::object{{"requestId", 2}}}});
  h.io.run();
  // initialize, the cancelled notification (no response), the cancelled call (none either),
  // and the timed-out call with a message naming the flag.
  std::vector<std::string> texts;
  for (const auto& r : h.responses) {
    if (r && at(r, {"result", "isError"}).is_bool()) texts.push_back(text_of(r));
  }
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("--tool-timeout"), std::string::npos);
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(Session, StatelessCallsWithTheSameIdStayApart) {
  auto server = make_server(std::chrono::milliseconds(50));
  Session s(server);
  s.state().set(std::string(kStatelessKey), "1");
  Harness h;
  for (int i = 0; i < 3; ++i)
    h.send(s, request(7, "tools/call", json::object{{"name", "wait"}, {"_meta", kModernMeta}}));
  h.io.run();
  ASSERT_EQ(h.responses.size(), 3u);
  for (const auto& r : h.responses) EXPECT_NE(text_of(r).find("--tool-timeout"), std::string::npos);
}

TEST(Session, AChangedToolListIsAnnouncedToInitializedSessions) {
  bool hide_wait = false;
  ServerOptions o;
  o.visible = [&hide_wait](const ToolSpec& t) { return !(hide_wait && t.name == "wait"); };
  Server server(ServerInfo{.version = "test", .instructions = ""}, o);
  server.add_tool(read_only_tool("whoami", [](ToolContext&) -> Task<ToolResult> { co_return ToolResult::text(""); }));
  server.add_tool(read_only_tool("wait", [](ToolContext&) -> Task<ToolResult> { co_return ToolResult::text(""); }));
  Harness h;
  auto exchange = [&h](Session& s, const json::object& m) {
    h.send(s, m);
    h.io.restart();
    h.io.run();
  };
  Session initialized(server), fresh(server);
  std::vector<json::object> told, told_fresh;
  initialized.set_notifier([&told](json::object n) { told.push_back(std::move(n)); });
  fresh.set_notifier([&told_fresh](json::object n) { told_fresh.push_back(std::move(n)); });
  exchange(initialized, request(1, "initialize", json::object{{"protocolVersion", "2025-11-25"}}));
  exchange(initialized, request(2, "tools/list"));
  EXPECT_EQ(at(h.responses.at(1), {"result", "tools"}).as_array().size(), 2u);
  EXPECT_EQ(at(h.responses.at(0), {"result", "capabilities", "tools", "listChanged"}), json::value(true));

  EXPECT_FALSE(server.refresh_tools());  // nothing changed: nothing said
  EXPECT_TRUE(told.empty());
  hide_wait = true;  // a reload changed the policy
  EXPECT_TRUE(server.refresh_tools());
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].at("method"), "notifications/tools/list_changed");
  EXPECT_TRUE(told_fresh.empty());  // not initialized: not told
  exchange(initialized, request(3, "tools/list"));
  EXPECT_EQ(at(h.responses.at(2), {"result", "tools"}).as_array().size(), 1u);
  {
    Session gone(server);
    gone.set_notifier([](json::object) { ADD_FAILURE() << "a destroyed session is never told"; });
  }
  hide_wait = false;
  EXPECT_TRUE(server.refresh_tools());
  EXPECT_EQ(told.size(), 2u);
}

}  // namespace mcpk::mcp
