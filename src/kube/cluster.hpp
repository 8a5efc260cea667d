/// @file
/// @brief What every client of one cluster shares, whoever it serves: the connection pools
/// (one per TLS identity), the client-side rate limiter (--qps-limit is per cluster, not per
/// user), the discovery cache and the observer that metrics and tracing hook into.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/single_flight.hpp"
#include "kube/chain.hpp"
#include "kube/discovery.hpp"
#include "kube/rest.hpp"

namespace mcpk::kube {

class RateLimiter;

/// The cluster's discovery, loaded by the first caller that needs it and shared by all.
struct DiscoveryCache {
  using Resources = std::shared_ptr<const std::vector<ApiResource>>;
  Resources resources;
  Clock::time_point loaded_at{};
  SingleFlight<Result<Resources>> flight;  ///< concurrent first loads (or refreshes) share one
};

class Cluster {
 public:
  Cluster(net::any_io_executor executor, std::string name, TransportOptions options,
          std::shared_ptr<TransportObserver> observer = nullptr);
  ~Cluster();

  /// A transport for one identity: `config` says where and with which TLS identity — requests
  /// share a pool with every config of the same ConnectionPool::key — and `decorators` who the
  /// requests are from (a user agent is put first).
  Result<std::shared_ptr<RestTransport>> transport(const RestConfig& config, DecoratorChain decorators);

  const std::string& name() const { return name_; }
  net::any_io_executor executor() const { return executor_; }
  DiscoveryCache& discovery() { return discovery_; }
  /// Pools alive now (tests, metrics).
  std::size_t pools() const;

 private:
  net::any_io_executor executor_;
  std::string name_;
  TransportOptions options_;
  std::shared_ptr<TransportObserver> observer_;
  std::shared_ptr<RateLimiter> limiter_;
  mutable std::map<std::string, std::weak_ptr<ConnectionPool>> pools_;
  DiscoveryCache discovery_;
};

}  // namespace mcpk::kube
