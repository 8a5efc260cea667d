/// @file
/// @brief What the HTTP server serves, as data: routes (exact paths and path prefixes) that
/// `app` injects, and a chain of HTTP middleware around them (Origin/Host checks and size
/// limits now; authentication and telemetry later). A handler answers with a Reply: a whole
/// response, or the head of an SSE stream that the server then writes as it fills.
///
/// Threading: built before serving, then only read; handlers run on the io_context's thread.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "core/json.hpp"
#include "core/scope.hpp"
#include "transport/sse.hpp"

namespace mcpk::transport {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

/// One request on its way through the middleware to its handler.
struct Exchange {
  const Request& req;
  std::string path{};  ///< the target without its query
  std::string peer{};  ///< the client's IP address
  /// Who calls and under which trace; middleware fills it (authentication, telemetry),
  /// handlers pass it on. Without authentication: the one local user.
  RequestScope scope{};
  /// The route pattern that matched ("/mcp", "/.well-known/"), for logs and metrics (never
  /// the raw path); set by the router.
  std::string route{};
};

/// A handler's answer.
struct Reply {
  Response res{};
  /// Non-null: `res` holds the headers of an SSE response whose events come from `stream`,
  /// written from message `cursor` on (with a priming event first when `priming`).
  std::shared_ptr<SseStream> stream{};
  std::size_t cursor = 0;
  bool priming = false;
  /// Called when the server starts writing the stream, and when it stops (`delivered`: every
  /// message was written and the stream is done).
  std::function<void()> on_open{};
  std::function<void(bool delivered, std::size_t cursor)> on_close{};

  static Reply whole(Response res) { return Reply{.res = std::move(res)}; }
};

using Handler = std::function<Task<Reply>(Exchange&)>;
/// Runs around a handler: answer itself (refuse), or call `next` and look at the answer.
using Middleware = std::function<Task<Reply>(Exchange&, const Handler& next)>;

/// A plain response (keep-alive as the request asked).
Response text_response(const Request& req, http::status status, std::string body, std::string_view type = "text/plain");
/// A JSON response.
Response json_response(const Request& req, http::status status, const json::value& body);

class Router {
 public:
  /// Serves `path` exactly, through `middleware` (innermost last) and then the handler.
  void add(std::string path, Handler handler, std::vector<Middleware> middleware = {});
  /// Serves every path that starts with `prefix` (the longest matching prefix wins).
  void add_prefix(std::string prefix, Handler handler, std::vector<Middleware> middleware = {});
  /// Middleware for every request, found or not (outermost first, in the order added).
  void use(Middleware middleware);

  /// Routes one request: 404 for an unknown path.
  Task<Reply> dispatch(Exchange& exchange) const;

 private:
  struct Route {
    std::string pattern;
    bool prefix = false;
    Handler handler;  ///< with its own middleware folded in
  };
  const Route* match(std::string_view path) const;
  Task<Reply> route(Exchange& exchange) const;

  std::vector<Route> routes_;
  std::vector<Middleware> middleware_;
  Handler entry_;  ///< the global chain around route(), rebuilt by use(); empty without middleware
};

/// Chains `middleware` (outermost first) around `handler`.
Handler chain(std::vector<Middleware> middleware, Handler handler);

}  // namespace mcpk::transport
