#include "kube/resource.hpp"

#include <fmt/format.h>

namespace mcpk::kube {

ResourceClient::ResourceClient(Client& client, ApiResource resource, std::string ns)
    : client_(client), resource_(std::move(resource)), ns_(std::move(ns)) {}

std::string ResourceClient::path(std::string_view name, std::string_view subresource) const {
  return resource_path(resource_, resource_.namespaced ? std::string_view(ns_) : std::string_view{}, name, subresource);
}

std::string ResourceClient::target(std::string_view name, const RequestOptions& o, bool write) const {
  std::vector<std::pair<std::string, std::string>> q;
  if (write && o.dry_run) q.emplace_back("dryRun", "All");
  if (write) q.emplace_back("fieldManager", o.field_manager);
  if (write && o.force) q.emplace_back("force", "true");
  q.emplace_back("labelSelector", o.label_selector);
  q.emplace_back("fieldSelector", o.field_selector);
  if (o.limit > 0) q.emplace_back("limit", std::to_string(o.limit));
  q.emplace_back("continue", o.continue_token);
  q.insert(q.end(), o.params.begin(), o.params.end());
  return path(name, o.subresource) + query_string(q);
}

HttpRequest ResourceClient::request(const char* method, std::string_view name, const RequestOptions& opts,
                                    bool write) const {
  HttpRequest req;
  req.method = method;
  req.target = target(name, opts, write);
  req.accept = opts.accept;
  return req;
}

// (Arguments of co_await calls are named locals: g++ 12 may destroy temporaries there twice.)
Task<Result<json::value>> ResourceClient::json_call(HttpRequest req, const CallContext& cc) {
  auto r = co_await client_.request(std::move(req), cc);
  if (!r) co_return std::unexpected(r.error());
  if (r->body.empty()) co_return json::value(nullptr);
  auto v = parse_json(r->body, 512);
  if (!v) co_return fail(Errc::internal, "the API server sent invalid JSON: " + v.error().message);
  co_return std::move(*v);
}

Task<Result<json::value>> ResourceClient::get(std::string name, RequestOptions opts, const CallContext& cc) {
  auto req = request("GET", name, opts, false);
  co_return co_await json_call(std::move(req), cc);
}

Task<Result<json::value>> ResourceClient::list(RequestOptions opts, const CallContext& cc) {
  auto req = request("GET", {}, opts, false);
  co_return co_await json_call(std::move(req), cc);
}

Task<Result<json::value>> ResourceClient::create(json::value object, RequestOptions opts, const CallContext& cc) {
  auto req = request("POST", {}, opts, true);
  req.body = to_json(object);
  req.content_type = "application/json";
  co_return co_await json_call(std::move(req), cc);
}

Task<Result<json::value>> ResourceClient::apply(std::string name, json::value object, RequestOptions opts,
                                                const CallContext& cc) {
  if (opts.field_manager.empty()) opts.field_manager = "mcp-kubernetes";
  auto req = request("PATCH", name, opts, true);
  req.body = to_json(object);  // JSON is YAML
  req.content_type = "application/apply-patch+yaml";
  co_return co_await json_call(std::move(req), cc);
}

Task<Result<json::value>> ResourceClient::patch(std::string name, PatchType type, json::value patch,
                                                RequestOptions opts, const CallContext& cc) {
  auto req = request("PATCH", name, opts, true);
  req.body = to_json(patch);
  req.content_type = type == PatchType::json    ? "application/json-patch+json"
                     : type == PatchType::merge ? "application/merge-patch+json"
                                                : "application/strategic-merge-patch+json";
  co_return co_await json_call(std::move(req), cc);
}

Task<Result<json::value>> ResourceClient::remove(std::string name, RequestOptions opts, const CallContext& cc) {
  json::object body{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!opts.propagation_policy.empty()) body["propagationPolicy"] = opts.propagation_policy;
  if (opts.grace_period_seconds) body["gracePeriodSeconds"] = *opts.grace_period_seconds;
  if (opts.dry_run) body["dryRun"] = json::array{"All"};
  auto req = request("DELETE", name, opts, false);  // dryRun travels in the body
  req.body = to_json(body);
  req.content_type = "application/json";
  co_return co_await json_call(std::move(req), cc);
}

Task<Result<std::string>> ResourceClient::get_text(std::string name, RequestOptions opts, const CallContext& cc) {
  auto req = request("GET", name, opts, false);
  auto r = co_await client_.request(std::move(req), cc);
  if (!r) co_return std::unexpected(r.error());
  co_return std::move(r->body);
}

}  // namespace mcpk::kube
