#include "transport/router.hpp"

namespace mcpk::transport {

Response text_response(const Request& req, http::status status, std::string body, std::string_view type) {
  Response res{status, req.version()};
  res.set(http::field::content_type, type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(const Request& req, http::status status, const json::value& body) {
  return text_response(req, status, to_json(body), "application/json");
}

Handler chain(std::vector<Middleware> middleware, Handler handler) {
  for (auto it = middleware.rbegin(); it != middleware.rend(); ++it) {
    handler = [mw = std::move(*it), next = std::move(handler)](Exchange& x) -> Task<Reply> {
      co_return co_await mw(x, next);
    };
  }
  return handler;
}

void Router::add(std::string path, Handler handler, std::vector<Middleware> middleware) {
  routes_.push_back(Route{std::move(path), false, chain(std::move(middleware), std::move(handler))});
}

void Router::add_prefix(std::string prefix, Handler handler, std::vector<Middleware> middleware) {
  routes_.push_back(Route{std::move(prefix), true, chain(std::move(middleware), std::move(handler))});
}

void Router::use(Middleware middleware) {
  middleware_.push_back(std::move(middleware));
  entry_ = chain(middleware_, [this](Exchange& x) { return route(x); });
}

const Router::Route* Router::match(std::string_view path) const {
  const Route* best = nullptr;
  for (const auto& r : routes_) {
    if (!r.prefix && r.pattern == path) return &r;
    if (r.prefix && path.starts_with(r.pattern) && (!best || r.pattern.size() > best->pattern.size())) best = &r;
  }
  return best;
}

Task<Reply> Router::route(Exchange& x) const {
  const Route* r = match(x.path);
  if (!r) co_return Reply::whole(text_response(x.req, http::status::not_found, "not found\n"));
  x.route = r->pattern;
  co_return co_await r->handler(x);
}

Task<Reply> Router::dispatch(Exchange& exchange) const {
  if (!entry_) co_return co_await route(exchange);  // no global middleware
  // The global middleware (metrics, tracing) names the request by its route from the start.
  if (const Route* r = match(exchange.path)) exchange.route = r->pattern;
  co_return co_await entry_(exchange);
}

}  // namespace mcpk::transport
