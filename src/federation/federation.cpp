#include "federation/federation.hpp"

#include <fmt/format.h>

#include "core/text.hpp"
#include "federation/directory.hpp"
#include "federation/resolve.hpp"

namespace mcpk::federation {
namespace {

// Listing for a bare name: more Clusters than this on one management cluster is not a case we serve.
constexpr std::size_t kMaxClusters = 10000;

// The same call, made with the server's own credentials (it reads kubeconfig Secrets).
kube::CallContext as_server(const kube::CallContext& cc) {
  auto out = cc;
  out.scope.caller = Caller::local_user();
  return out;
}

std::string memo_key(const kube::CallContext& cc, std::string_view name) {
  return kube::identity_key(*cc.scope.caller) + '\0' + std::string(name);
}

Error gone(const std::string& qualified) {
  return Error{Errc::not_found,
               fmt::format("workload cluster {}: no such Cluster on the management cluster (any more); "
                           "capi_list_clusters lists the ones you may see",
                           qualified)};
}

}  // namespace

Federation::Federation(net::any_io_executor executor, kube::ClientSource& management, WorkloadOptions options)
    : executor_(executor), management_(management), clients_(std::move(executor), std::move(options)) {}

Task<Result<std::vector<WorkloadCluster>>> Federation::list(std::string label_selector, std::size_t max,
                                                            const kube::CallContext& cc) {
  auto caller = co_await management_.client("", cc);
  if (!caller) co_return std::unexpected(caller.error());
  co_return co_await list_clusters(**caller, std::move(label_selector), max, cc);
}

Task<Result<WorkloadCluster>> Federation::find(std::string name, const kube::CallContext& cc) {
  co_return co_await find_fresh(std::move(name), cc);
}

Task<Result<WorkloadCluster>> Federation::find_fresh(std::string name, kube::CallContext cc) {
  auto caller = co_await management_.client("", cc);
  if (!caller) co_return std::unexpected(caller.error());
  if (const auto slash = name.find('/'); slash != std::string::npos) {
    std::string ns = name.substr(0, slash);
    std::string short_name = name.substr(slash + 1);
    if (ns.empty() || short_name.empty() || short_name.find('/') != std::string::npos) {
      co_return fail(
          Errc::invalid_argument,
          fmt::format("cluster \"{}\": name a workload cluster as namespace/name or by its name alone", clip(name)));
    }
    auto found = co_await get_cluster(**caller, ns, short_name, cc);
    if (!found && found.error().code == Errc::not_found) {
      forget(name);
      co_return std::unexpected(gone(name));
    }
    co_return found;
  }
  auto known = co_await list_clusters(**caller, "", kMaxClusters, cc);
  if (!known) co_return std::unexpected(known.error());
  auto match = find_cluster(*known, name);
  if (!match) co_return std::unexpected(match.error());
  co_return **match;
}

Task<Result<void>> Federation::recheck(WorkloadCluster remembered, std::string key, kube::CallContext cc) {
  const auto qualified = remembered.qualified();
  auto now = co_await find_fresh(qualified, cc);
  if (!now) {
    memo_.erase(key);  // gone, or no longer the caller's to read: resolved afresh next time
    co_return std::unexpected(now.error());
  }
  if (now->endpoint_host != remembered.endpoint_host || now->endpoint_port != remembered.endpoint_port) {
    forget(qualified);  // moved: the next call connects to where it is now
  }
  co_return Result<void>{};
}

Task<Result<std::shared_ptr<kube::Client>>> Federation::client_of(const WorkloadCluster& cluster,
                                                                  const kube::CallContext& cc) {
  const auto server_cc = as_server(cc);
  auto server = co_await management_.client("", server_cc);
  if (!server) co_return std::unexpected(server.error());
  std::shared_ptr<kube::Client> caller;
  if (clients_.options().mode == AuthMode::sso_passthrough) {
    auto c = co_await management_.client("", cc);
    if (!c) co_return std::unexpected(c.error());
    caller = std::move(*c);
  }
  co_return co_await clients_.client(cluster, std::move(*server), std::move(caller), cc);
}

Task<Result<Access>> Federation::access(std::string name, const kube::CallContext& cc) {
  const auto key = memo_key(cc, name);
  const auto now = std::chrono::steady_clock::now();
  Access out;
  if (auto it = memo_.find(key); it != memo_.end() && now - it->second.at < options().cache.ttl) {
    out.cluster = it->second.cluster;
    out.check = Pending<Result<void>>::start(executor_, recheck(out.cluster, key, cc));
  } else {
    auto found = co_await find_fresh(name, cc);
    if (!found) co_return std::unexpected(found.error());
    out.cluster = std::move(*found);
    if (memo_.size() >= options().cache.max_entries) {
      std::erase_if(memo_, [&](const auto& e) { return now - e.second.at >= options().cache.ttl; });
      if (memo_.size() >= options().cache.max_entries) memo_.clear();
    }
    memo_[key] = Memo{out.cluster, now};
  }
  auto client = co_await client_of(out.cluster, cc);
  if (!client) {
    // A client that could not be made for a Cluster that is gone: say that, not why the client failed.
    if (out.check) {
      if (auto ok = co_await out.check->wait(); !ok) co_return std::unexpected(ok.error());
    }
    co_return std::unexpected(client.error());
  }
  out.client = std::move(*client);
  co_return out;
}

void Federation::forget(const std::string& qualified) {
  clients_.forget(qualified);
  std::erase_if(memo_, [&](const auto& e) { return e.second.cluster.qualified() == qualified; });
}

}  // namespace mcpk::federation
