#include "kube/cluster.hpp"

#include <algorithm>

#include "kube/connection_pool.hpp"
#include "kube/rate_limiter.hpp"

namespace mcpk::kube {

Cluster::Cluster(net::any_io_executor executor, std::string name, TransportOptions options,
                 std::shared_ptr<TransportObserver> observer)
    : executor_(std::move(executor)),
      name_(std::move(name)),
      options_(std::move(options)),
      observer_(std::move(observer)),
      limiter_(std::make_shared<RateLimiter>(options_.qps, options_.burst)) {}

Cluster::~Cluster() = default;

Result<std::shared_ptr<RestTransport>> Cluster::transport(const RestConfig& config, DecoratorChain decorators) {
  std::erase_if(pools_, [](const auto& p) { return p.second.expired(); });
  auto key = ConnectionPool::key(config);
  auto pool = pools_[key].lock();
  if (!pool) {
    auto made = ConnectionPool::create(executor_, config, options_);
    if (!made) {
      pools_.erase(key);
      return std::unexpected(made.error());
    }
    pool = std::move(*made);
    pools_[key] = pool;
  }
  decorators.insert(decorators.begin(), user_agent(options_.user_agent));
  RestTransport::Parts parts{
      .pool = std::move(pool), .limiter = limiter_, .decorators = std::move(decorators), .observer = observer_};
  return std::make_shared<RestTransport>(std::move(parts), config, options_);
}

std::size_t Cluster::pools() const {
  return static_cast<std::size_t>(std::ranges::count_if(pools_, [](const auto& p) { return !p.second.expired(); }));
}

}  // namespace mcpk::kube
