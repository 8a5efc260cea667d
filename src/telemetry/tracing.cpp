#include "telemetry/tracing.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/text.hpp"

namespace mcpk::telemetry {
namespace {

// Kubernetes path segments: "namespaces/default/pods" → {"namespaces","default","pods"}.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0; at < path.size();) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    const auto end = std::min(path.find('/', at), path.size());
    out.push_back(path.substr(at, end - at));
    at = end;
  }
  return out;
}

std::string_view verb_of(std::string_view method, bool named, std::string_view query) {
  if (method == "CONNECT") return "connect";
  if (method == "GET") return named ? "get" : query.find("watch=true") != std::string_view::npos ? "watch" : "list";
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return named ? "delete" : "deletecollection";
  return "unknown";
}

// "https://host:6443" → host, 6443 (443 when the URL names no port).
std::pair<std::string_view, std::int64_t> host_port(std::string_view endpoint) {
  const bool https = endpoint.starts_with("https://");
  if (const auto s = endpoint.find("://"); s != std::string_view::npos) endpoint.remove_prefix(s + 3);
  endpoint = endpoint.substr(0, endpoint.find('/'));
  std::int64_t port = https ? 443 : 80;
  const auto colon = endpoint.rfind(':');
  if (colon != std::string_view::npos && endpoint.find(']', colon) == std::string_view::npos) {
    std::from_chars(endpoint.data() + colon + 1, endpoint.data() + endpoint.size(), port);
    endpoint = endpoint.substr(0, colon);
  }
  if (endpoint.size() >= 2 && endpoint.front() == '[') endpoint = endpoint.substr(1, endpoint.size() - 2);
  return {endpoint, port};
}

std::string id_text(const json::value& id) {
  if (id.is_string()) return clip(id.get_string(), 128);
  if (id.is_null()) return {};
  return to_json(id);
}

class ApiTracing final : public kube::TransportObserver {
 public:
  explicit ApiTracing(std::shared_ptr<Tracer> tracer) : tracer_(std::move(tracer)) {}

  // Only requests made under a trace get a span: a readiness probe or a background refresh
  // does not start traces of its own.
  void on_start(kube::RequestEvent& event, const kube::CallContext& cc) override {
    if (cc.scope.trace.traceparent.empty()) return;
    auto parent = parse_traceparent(cc.scope.trace.traceparent, cc.scope.trace.tracestate);
    if (!parent) return;
    SpanContext mine = *parent;
    mine.span_id = new_span_id();
    mine.remote = false;
    event.propagate.emplace_back("traceparent", format_traceparent(mine));
    if (!mine.tracestate.empty()) event.propagate.emplace_back("tracestate", mine.tracestate);
  }

  void on_request(const kube::RequestEvent& e, const kube::CallContext& cc) override {
    if (e.propagate.empty()) return;
    auto mine = parse_traceparent(e.propagate.front().second, cc.scope.trace.tracestate);
    auto parent = parse_traceparent(cc.scope.trace.traceparent, cc.scope.trace.tracestate);
    if (!mine || !parent || !mine->sampled) return;
    const auto api = describe_api_target(e.method, e.target);
    const std::string_view method = e.method == "CONNECT" ? "GET" : e.method;  // a WebSocket upgrade
    SpanData d;
    d.context = *mine;
    d.parent = parent->span_id;
    d.name = fmt::format("{} {}", method, api.url_template);
    d.kind = SpanKind::client;
    d.end_unix_ns = unix_now_ns();
    d.start_unix_ns = d.end_unix_ns - static_cast<std::uint64_t>(
                                          std::chrono::duration_cast<std::chrono::nanoseconds>(e.duration).count());
    const auto [host, port] = host_port(e.endpoint);
    auto& a = d.attributes;
    a.push_back({"http.request.method", std::string(method)});
    a.push_back({"server.address", std::string(host)});
    a.push_back({"server.port", port});
    // A stream's query holds the command and its arguments (which may hold a password): its
    // URL is recorded without the query. Other queries (limit, continue, selectors) stay.
    const auto target = e.method == "CONNECT" ? e.target.substr(0, e.target.find('?')) : e.target;
    a.push_back({"url.full", clip(fmt::format("{}{}", e.endpoint, target), 2048)});
    if (e.status) a.push_back({"http.response.status_code", std::int64_t{e.status}});
    if (e.attempts > 1) a.push_back({"http.request.resend_count", std::int64_t{e.attempts - 1}});
    if (!api.ns.empty()) a.push_back({"k8s.namespace.name", api.ns});
    if (!api.resource.empty()) {
      a.push_back({"k8s.api.group", api.group});
      a.push_back({"k8s.api.resource", api.resource});
    }
    if (!api.subresource.empty()) a.push_back({"k8s.api.subresource", api.subresource});
    a.push_back({"k8s.api.verb", api.verb});
    if (!e.context.empty()) a.push_back({"k8s.cluster.name", std::string(e.context)});
    a.push_back({"k8s.impersonated", e.impersonated});
    if (e.throttled.count() > 0) {
      a.push_back({"k8s.client.throttled_ms", std::chrono::duration<double, std::milli>(e.throttled).count()});
    }
    if (e.status >= 400 || (e.status == 0 && e.error)) {
      d.status = StatusCode::error;
      const std::string type = e.status ? std::to_string(e.status) : std::string(to_string(*e.error));
      a.push_back({"error.type", type});
    }
    tracer_->record(std::move(d));
  }

 private:
  std::shared_ptr<Tracer> tracer_;
};

}  // namespace

ApiTarget describe_api_target(std::string_view method, std::string_view target) {
  ApiTarget t;
  const auto q = target.find('?');
  const auto path = target.substr(0, q);
  const auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q);
  const auto parts = segments(path);
  std::size_t rest = 0;
  std::string prefix;
  if (parts.size() >= 2 && parts[0] == "api") {
    prefix = fmt::format("/api/{}", parts[1]);
    rest = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    t.group = std::string(parts[1]);
    prefix = fmt::format("/apis/{}/{}", parts[1], parts[2]);
    rest = 3;
  } else {  // /version, /openapi/v3, discovery of groups
    t.url_template = std::string(path.empty() ? "/" : path.substr(0, 128));
    t.verb = method == "GET" ? "get" : verb_of(method, true, query);
    return t;
  }
  std::vector<std::string_view> r(parts.begin() + static_cast<std::ptrdiff_t>(rest), parts.end());
  std::string tmpl = prefix;
  std::size_t at = 0;
  if (r.size() >= 3 && r[0] == "namespaces") {
    t.ns = std::string(r[1].substr(0, 63));
    tmpl += "/namespaces/{namespace}";
    at = 2;
  }
  bool named = false;
  if (at < r.size()) {
    t.resource = std::string(r[at].substr(0, 63));
    tmpl += "/" + t.resource;
    if (at + 1 < r.size()) {
      named = true;
      tmpl += "/{name}";
    }
    if (at + 2 < r.size()) {
      t.subresource = std::string(r[at + 2].substr(0, 63));
      tmpl += "/" + t.subresource;
    }
  }
  t.url_template = std::move(tmpl);
  t.verb = std::string(verb_of(method, named, query));
  return t;
}

transport::Middleware http_tracing(std::shared_ptr<Tracer> tracer, std::vector<std::string> untraced) {
  return [tracer, untraced = std::move(untraced)](transport::Exchange& x,
                                                  const transport::Handler& next) -> Task<transport::Reply> {
    if (std::ranges::find(untraced, x.route) != untraced.end()) co_return co_await next(x);
    const std::string method(x.req.method_string().substr(0, 16));
    auto span = tracer->start(x.route.empty() ? method : method + " " + x.route, SpanKind::server,
                              x.scope.trace.traceparent, x.scope.trace.tracestate);
    if (span.recording()) {  // an unsampled span keeps no attributes: build none
      span.set("http.request.method", method);
      if (!x.route.empty()) span.set("http.route", x.route);
      span.set("url.path", clip(x.path, 256));
      span.set("client.address", x.peer);
      span.set("network.protocol.version", std::string("1.1"));
      if (auto ua = x.req[transport::http::field::user_agent]; !ua.empty())
        span.set("user_agent.original", clip(ua, 256));
    }
    x.scope.trace.traceparent = span.traceparent();
    x.scope.trace.tracestate = span.context().tracestate;
    auto reply = co_await next(x);
    const int status = static_cast<int>(reply.res.result_int());
    span.set("http.response.status_code", std::int64_t{status});
    if (status >= 500) span.set_error(std::to_string(status));
    co_return reply;
  };
}

mcp::RequestMiddleware mcp_tracing(std::shared_ptr<Tracer> tracer) {
  return [tracer](const mcp::RequestInfo& info, RequestScope scope,
                  const mcp::RequestNext& next) -> Task<std::optional<json::object>> {
    // The client's own context (params._meta) wins over the transport's (the HTTP span).
    std::optional<SpanContext> parent;
    if (!info.traceparent.empty()) parent = parse_traceparent(info.traceparent, info.tracestate);
    if (!parent) parent = parse_traceparent(scope.trace.traceparent, scope.trace.tracestate);
    auto span =
        tracer->start(info.target.empty() ? info.method : info.method + " " + info.target, SpanKind::server, parent);
    span.set("mcp.method.name", info.method);
    if (!info.target.empty()) {
      span.set("gen_ai.tool.name", info.target);
      span.set("gen_ai.operation.name", std::string("execute_tool"));
    }
    if (!scope.session_id.empty()) span.set("mcp.session.id", scope.session_id);
    if (!info.protocol_version.empty()) span.set("mcp.protocol.version", info.protocol_version);
    if (auto id = id_text(info.id); !id.empty()) span.set("jsonrpc.request.id", std::move(id));
    span.set("network.transport", std::string(scope.network_transport));
    scope.trace.traceparent = span.traceparent();
    scope.trace.tracestate = span.context().tracestate;
    auto response = co_await next(std::move(scope));
    if (response) {
      if (const auto* error = find_object(*response, "error")) {
        const auto* code = find(*error, "code");
        const auto text = code ? to_json(*code) : std::string("error");
        span.set("rpc.response.status_code", text);
        span.set_error(text, string_or(*error, "message"));
      } else if (const auto* result = find_object(*response, "result")) {
        if (find_bool(*result, "isError").value_or(false)) span.set_error("tool_error");
      }
    }
    co_return response;
  };
}

std::shared_ptr<kube::TransportObserver> api_tracing(std::shared_ptr<Tracer> tracer) {
  return std::make_shared<ApiTracing>(std::move(tracer));
}

}  // namespace mcpk::telemetry
