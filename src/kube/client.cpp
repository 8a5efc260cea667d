#include "kube/client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <functional>

#include "core/bounded.hpp"
#include "kube/status.hpp"

namespace mcpk::kube {
namespace {

constexpr std::string_view kAcceptDiscovery =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

std::string path_escape(std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

// Legacy discovery: one document per group version, fetched by up to kDiscoveryFanOut workers at
// once (one after another, a cluster with 60 API groups took 60 round trips).
constexpr std::size_t kDiscoveryFanOut = 8;

}  // namespace

Task<std::vector<ApiResource>> fetch_group_versions(Client& client,
                                                    std::vector<std::tuple<std::string, std::string, bool>> gvs,
                                                    const CallContext& cc) {
  std::vector<std::vector<ApiResource>> found(gvs.size());
  std::function<Task<void>(std::size_t)> fetch = [&](std::size_t i) -> Task<void> {
    const auto& [group, version, preferred] = gvs[i];
    const auto target = group.empty() ? "/api/" + version : fmt::format("/apis/{}/{}", group, version);
    auto list = co_await client.get_json(target, cc);
    if (!list) {
      spdlog::debug("discovery of {} failed: {}{}", target, list.error().message, cc.scope.trace.log_suffix());
      co_return;  // an unavailable aggregated API must not hide the rest (kubectl does the same)
    }
    if (auto parsed = parse_resource_list(*list, group, version, preferred)) found[i] = std::move(*parsed);
  };
  co_await for_each_bounded(client.transport().executor(), gvs.size(), kDiscoveryFanOut, fetch);
  std::vector<ApiResource> all;
  for (auto& f : found) all.insert(all.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
  co_return all;
}

std::string resource_path(const ApiResource& r, std::string_view ns, std::string_view name,
                          std::string_view subresource) {
  std::string p = r.group.empty() ? "/api/" + r.version : fmt::format("/apis/{}/{}", r.group, r.version);
  if (r.namespaced && !ns.empty()) p += "/namespaces/" + path_escape(ns);
  p += "/" + r.resource;
  if (!name.empty()) p += "/" + path_escape(name);
  if (!subresource.empty()) p += "/" + std::string(subresource);
  return p;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += q.empty() ? '?' : '&';
    q += k;
    q += '=';
    q += path_escape(v);
  }
  return q;
}

Result<std::shared_ptr<Client>> Client::create(std::shared_ptr<Cluster> cluster, const RestConfig& config,
                                               DecoratorChain decorators, std::string owner) {
  auto t = cluster->transport(config, std::move(decorators));
  if (!t) return std::unexpected(t.error());
  return std::shared_ptr<Client>(new Client(std::move(cluster), std::move(*t), std::move(owner)));
}

Result<std::shared_ptr<Client>> Client::create(net::any_io_executor executor, RestConfig config,
                                               TransportOptions options) {
  auto cluster = std::make_shared<Cluster>(executor, config.context, std::move(options));
  auto identity = config_identity(executor, config);
  return create(std::move(cluster), config, std::move(identity), "local");
}

Task<Result<HttpResponse>> Client::request(HttpRequest request, const CallContext& cc) {
  auto r = co_await transport_->send(std::move(request), cc);
  if (!r) co_return r;
  if (r->status < 200 || r->status >= 300) co_return std::unexpected(status_error(*r, config().context));
  co_return r;
}

Task<Result<json::value>> Client::get_json(std::string target, const CallContext& cc, std::string accept) {
  co_return co_await fetch_json(std::move(target), std::move(accept), cc, nullptr);
}

Task<Result<json::value>> Client::fetch_json(std::string target, std::string accept, const CallContext& cc,
                                             std::string* content_type) {
  HttpRequest req;
  req.target = std::move(target);
  req.accept = std::move(accept);
  auto r = co_await request(std::move(req), cc);
  if (!r) co_return std::unexpected(r.error());
  auto v = parse_json(r->body, 512);
  if (!v) co_return fail(Errc::internal, "the API server sent invalid JSON: " + v.error().message);
  if (content_type) *content_type = std::move(r->content_type);
  co_return std::move(*v);
}

Task<Result<std::vector<ApiResource>>> Client::load_discovery(const CallContext& cc) {
  std::vector<ApiResource> all;
  for (std::string_view root : {"/api", "/apis"}) {
    std::string content_type;
    const std::string root_path(root), accept(kAcceptDiscovery);
    auto doc = co_await fetch_json(root_path, accept, cc, &content_type);
    if (!doc) co_return std::unexpected(doc.error());
    if (!doc->is_object()) co_return fail(Errc::internal, "invalid discovery document at " + root_path);
    if (content_type.find("APIGroupDiscoveryList") != std::string::npos) {
      auto parsed = parse_aggregated_discovery(*doc);
      if (!parsed) co_return std::unexpected(parsed.error());
      all.insert(all.end(), parsed->begin(), parsed->end());
      continue;
    }
    // Legacy discovery: one document per group version.
    std::vector<std::tuple<std::string, std::string, bool>> gvs;  // group, version, preferred
    const auto& o = doc->as_object();
    if (root == "/api") {
      if (const auto* versions = find_array(o, "versions")) {
        bool first = true;
        for (const auto& v : *versions) {
          if (v.is_string()) gvs.emplace_back("", std::string(v.get_string()), first);
          first = false;
        }
      }
    } else if (const auto* groups = find_array(o, "groups")) {
      for (const auto& gv : *groups) {
        const auto* g = gv.if_object();
        if (!g) continue;
        std::string preferred;
        if (const auto* p = find_object(*g, "preferredVersion")) preferred = std::string(string_or(*p, "version"));
        if (const auto* versions = find_array(*g, "versions")) {
          for (const auto& v : *versions) {
            if (const auto* vo = v.if_object()) {
              const std::string ver(string_or(*vo, "version"));
              gvs.emplace_back(std::string(string_or(*g, "name")), ver, ver == preferred);
            }
          }
        }
      }
    }
    auto fetched = co_await fetch_group_versions(*this, std::move(gvs), cc);
    all.insert(all.end(), std::make_move_iterator(fetched.begin()), std::make_move_iterator(fetched.end()));
  }
  co_return all;
}

Task<Result<std::shared_ptr<const std::vector<ApiResource>>>> Client::api_resources(const CallContext& cc,
                                                                                    bool refresh) {
  auto& cache = cluster_->discovery();
  for (;;) {
    if (cache.resources && !refresh) co_return cache.resources;
    if (cc.cancel && cc.cancel->cancelled()) co_return fail(Errc::cancelled, cc.cancel->reason());
    if (cache.flight.busy()) {
      auto shared = co_await cache.flight.join(cc.cancel);
      // Another caller's cancellation is not ours: then run discovery ourselves.
      if (shared && (*shared || shared->error().code != Errc::cancelled)) co_return *shared;
      continue;
    }
    auto lead = cache.flight.lead(transport().executor());
    auto loaded = co_await load_discovery(cc);
    if (!loaded && loaded.error().code == Errc::timeout) {
      // Name the stage: discovery, not the request the caller made.
      Error e = loaded.error();
      std::string_view inner = e.message;
      if (inner.starts_with("stopped (timeout) while ")) inner.remove_prefix(24);
      e.message =
          fmt::format("stopped (timeout) while loading the API discovery of {} ({})", transport().endpoint(), inner);
      co_return lead.finish(std::unexpected(e));
    }
    if (!loaded) co_return lead.finish(std::unexpected(loaded.error()));
    cache.resources = std::make_shared<const std::vector<ApiResource>>(std::move(*loaded));
    cache.loaded_at = Clock::now();
    co_return lead.finish(cache.resources);
  }
}

Task<Result<Resolution>> Client::resolve(std::string_view type, std::string_view api_group, const CallContext& cc) {
  auto resources = co_await api_resources(cc);
  if (!resources) co_return std::unexpected(resources.error());
  auto r = resolve_resource(**resources, type, api_group);
  if (r || r.error().code != Errc::not_found ||
      Clock::now() - cluster_->discovery().loaded_at < std::chrono::seconds(2))
    co_return r;
  // A miss may be a CRD installed since discovery was loaded: reload once.
  auto fresh = co_await api_resources(cc, true);
  if (!fresh) co_return std::unexpected(fresh.error());
  co_return resolve_resource(**fresh, type, api_group);
}

}  // namespace mcpk::kube
