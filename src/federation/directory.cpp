#include "federation/directory.hpp"

#include <fmt/format.h>

namespace mcpk::federation {

Task<Result<kube::ApiResource>> cluster_resource(kube::Client& management, const kube::CallContext& cc) {
  auto resources = co_await management.api_resources(cc);
  if (!resources) co_return std::unexpected(resources.error());
  for (auto version : kCapiVersions) {
    for (const auto& r : **resources) {
      if (r.group == kCapiGroup && r.version == version && r.resource == "clusters") co_return r;
    }
  }
  co_return fail(Errc::not_found,
                 "the management cluster serves no Cluster API Clusters (cluster.x-k8s.io v1beta2 or v1beta1): "
                 "is Cluster API installed there?");
}

Task<Result<std::vector<WorkloadCluster>>> list_clusters(kube::Client& management, std::string label_selector,
                                                         std::size_t max, const kube::CallContext& cc) {
  auto resource = co_await cluster_resource(management, cc);
  if (!resource) co_return std::unexpected(resource.error());
  std::vector<WorkloadCluster> out;
  std::string next;
  do {
    const auto target = kube::resource_path(*resource, "") +
                        kube::query_string({{"labelSelector", label_selector}, {"limit", "500"}, {"continue", next}});
    auto page = co_await management.get_json(target, cc, std::string("application/json"));
    if (!page) {
      if (page.error().code == Errc::forbidden) {
        co_return fail(Errc::forbidden,
                       fmt::format("{} (listing Clusters in all namespaces needs that right on the management "
                                   "cluster; name a cluster as namespace/name to reach it without listing)",
                                   page.error().message));
      }
      co_return std::unexpected(page.error());
    }
    next.clear();
    if (!page->is_object()) co_return fail(Errc::unavailable, "the Cluster list is not a JSON object");
    if (const auto* meta = find_object(page->get_object(), "metadata"))
      next = std::string(string_or(*meta, "continue"));
    if (const auto* items = find_array(page->get_object(), "items")) {
      for (const auto& item : *items) {
        if (out.size() >= max) co_return out;
        if (auto c = parse_cluster(item)) {
          if (c->api_version.empty()) c->api_version = resource->group_version();
          out.push_back(std::move(*c));
        }
      }
    }
  } while (!next.empty());
  co_return out;
}

Task<Result<WorkloadCluster>> get_cluster(kube::Client& management, std::string ns, std::string name,
                                          const kube::CallContext& cc) {
  auto resource = co_await cluster_resource(management, cc);
  if (!resource) co_return std::unexpected(resource.error());
  const auto target = kube::resource_path(*resource, ns, name);
  auto object = co_await management.get_json(target, cc, std::string("application/json"));
  if (!object) co_return std::unexpected(object.error());
  co_return parse_cluster(*object);
}

}  // namespace mcpk::federation
