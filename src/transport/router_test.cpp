#include "transport/router.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace mcpk::transport {
namespace {

Handler answer(std::string body) {
  return [body](Exchange& x) -> Task<Reply> {
    co_return Reply::whole(text_response(x.req, http::status::ok, body + " " + x.scope.caller->key));
  };
}

Middleware tag(std::vector<std::string>& log, std::string name) {
  return [&log, name](Exchange& x, const Handler& next) -> Task<Reply> {
    log.push_back(name + ">");
    auto r = co_await next(x);
    log.push_back("<" + name);
    co_return r;
  };
}

// Routes `path` through `router` on a fresh io_context; (status, body, route).
std::tuple<int, std::string, std::string> serve(const Router& router, std::string path) {
  net::io_context io;
  Request req{http::verb::get, path, 11};
  std::tuple<int, std::string, std::string> out;
  auto run = [&]() -> Task<void> {
    Exchange x{.req = req, .path = path};
    auto reply = co_await router.dispatch(x);
    out = {reply.res.result_int(), reply.res.body(), x.route};
  };
  net::co_spawn(io, run(), net::detached);
  io.run();
  return out;
}

}  // namespace

TEST(Router, ExactPathsThenTheLongestPrefix) {
  Router r;
  r.add("/mcp", answer("mcp"));
  r.add_prefix("/.well-known/", answer("wk"));
  r.add_prefix("/.well-known/oauth-protected-resource", answer("prm"));
  EXPECT_EQ(serve(r, "/mcp"), std::make_tuple(200, std::string("mcp local"), std::string("/mcp")));
  EXPECT_EQ(std::get<1>(serve(r, "/.well-known/openid-configuration")), "wk local");
  EXPECT_EQ(std::get<1>(serve(r, "/.well-known/oauth-protected-resource/mcp")), "prm local");
  EXPECT_EQ(serve(r, "/mcp/x"), std::make_tuple(404, std::string("not found\n"), std::string()));
}

TEST(Router, MiddlewareRunsOutermostFirstAndMayFillTheScope) {
  Router r;
  std::vector<std::string> log;
  r.use(tag(log, "global"));
  r.add("/a", answer("a"), {tag(log, "route"), [](Exchange& x, const Handler& next) -> Task<Reply> {
                              auto who = std::make_shared<Caller>();
                              who->key = "alice";
                              x.scope.caller = who;
                              co_return co_await next(x);
                            }});
  EXPECT_EQ(std::get<1>(serve(r, "/a")), "a alice");
  EXPECT_EQ(log, (std::vector<std::string>{"global>", "route>", "<route", "<global"}));
  log.clear();
  EXPECT_EQ(std::get<0>(serve(r, "/b")), 404);  // global middleware sees unknown paths too
  EXPECT_EQ(log, (std::vector<std::string>{"global>", "<global"}));
}

TEST(Router, MiddlewareMayAnswerItself) {
  Router r;
  r.add("/a", answer("a"), {[](Exchange& x, const Handler&) -> Task<Reply> {
          co_return Reply::whole(text_response(x.req, http::status::forbidden, "no"));
        }});
  EXPECT_EQ(std::get<0>(serve(r, "/a")), 403);
}

}  // namespace mcpk::transport
