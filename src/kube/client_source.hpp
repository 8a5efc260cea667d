/// @file
/// @brief Where tools get their clients: one Cluster per kubeconfig context (or the in-cluster
/// service account), and from it one Client per (context, caller identity), kept in an async
/// cache with a TTL, a size bound and single-flight creation.
///
/// A client is made for one identity key and carries it (Client::owner()); the cache is keyed
/// by it, so a client made for one caller never serves another. Identity: the local user (the
/// kubeconfig's own credentials); any other caller by its key and groups — sent with its own
/// bearer when it has a credential, else with the server's credentials.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/async_cache.hpp"
#include "kube/client.hpp"

namespace mcpk::kube {

/// The key a caller's clients are cached under: changed groups or a new credential make a new
/// client at once.
std::string identity_key(const Caller& caller);

class ClientSource {
 public:
  struct Options {
    TransportOptions transport;
    AsyncCacheOptions cache;
    std::shared_ptr<TransportObserver> observer;  ///< null: none
  };
  ClientSource(net::any_io_executor executor, Kubeconfig kubeconfig, std::string default_context, Options options);
  /// In-cluster mode: one cluster, no contexts.
  ClientSource(net::any_io_executor executor, RestConfig in_cluster, Options options);

  /// The client of `context` ("" = the default) for the caller in `cc.scope`. Unknown
  /// contexts are errors listing the known ones.
  Task<Result<std::shared_ptr<Client>>> client(std::string context, const CallContext& cc);

  const Kubeconfig& kubeconfig() const { return kubeconfig_; }
  const std::string& default_context() const { return default_context_; }
  bool in_cluster() const { return in_cluster_.has_value(); }
  const AsyncCacheStats& cache_stats() const { return cache_.stats(); }
  std::size_t cached_clients() const { return cache_.size(); }

 private:
  Result<std::shared_ptr<Client>> make(const std::string& context, const Caller& caller, const std::string& identity);

  net::any_io_executor executor_;
  Kubeconfig kubeconfig_;
  std::optional<RestConfig> in_cluster_;
  std::string default_context_;
  Options options_;
  // Per context: its cluster and its RestConfig, read (CA, certificate and key files) once,
  // not again for every caller's client.
  struct Context {
    std::shared_ptr<Cluster> cluster;
    RestConfig config;
  };
  std::map<std::string, Context, std::less<>> contexts_;
  AsyncCache<std::shared_ptr<Client>> cache_;
};

}  // namespace mcpk::kube
