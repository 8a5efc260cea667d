/// @file
/// @brief A keyed cache of values made asynchronously (clients per cluster and caller): a TTL
/// counted from creation, a size bound that evicts the least recently used entry, and single
/// flight — concurrent misses on one key share one creation. A failed creation is not cached.
///
/// Single-threaded: one io_context, no locks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/async.hpp"
#include "core/cancel.hpp"
#include "core/error.hpp"
#include "core/single_flight.hpp"

namespace mcpk {

struct AsyncCacheOptions {
  std::chrono::steady_clock::duration ttl = std::chrono::minutes(10);
  std::size_t max_entries = 1000;
};

struct AsyncCacheStats {
  std::size_t hits = 0, misses = 0, evictions = 0;
};

template <class V>
class AsyncCache {
  using Clock = std::chrono::steady_clock;
  struct Entry {
    V value;
    Clock::time_point created, used;
  };

 public:
  using Make = std::function<Task<Result<V>>()>;

  AsyncCache(net::any_io_executor executor, AsyncCacheOptions options)
      : executor_(std::move(executor)), options_(options) {}

  /// The value under `key`, made by `make` on a miss or after its TTL.
  Task<Result<V>> get(std::string key, Make make, CancelTokenPtr cancel) {
    for (;;) {
      if (cancel && cancel->cancelled()) co_return fail(Errc::cancelled, cancel->reason());
      const auto now = Clock::now();
      if (auto it = entries_.find(key); it != entries_.end()) {
        if (now - it->second.created < options_.ttl) {
          ++stats_.hits;
          it->second.used = now;
          co_return it->second.value;
        }
        entries_.erase(it);  // expired: made again below
        ++stats_.evictions;
      }
      auto& flight = flights_[key];
      if (!flight) flight = std::make_shared<SingleFlight<Result<V>>>();
      auto keep = flight;  // the map slot may go while we wait
      if (keep->busy()) {
        auto shared = co_await keep->join(cancel);
        if (shared && *shared) {
          ++stats_.hits;
          co_return *shared;
        }
        if (shared) co_return *shared;  // the leader's failure is ours too (not cached)
        continue;                       // the leader gave up, or we were cancelled: look again
      }
      ++stats_.misses;
      auto lead = keep->lead(executor_);
      auto made = co_await make();
      if (made) put(key, *made);
      if (auto f = flights_.find(key); f != flights_.end() && f->second == keep) flights_.erase(f);
      co_return lead.finish(std::move(made));
    }
  }

  /// Drops every entry whose key starts with `prefix` (a deleted cluster: unreachable at once).
  void erase_prefix(std::string_view prefix) {
    for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.starts_with(prefix);) {
      it = entries_.erase(it);
      ++stats_.evictions;
    }
  }

  std::size_t size() const { return entries_.size(); }
  const AsyncCacheStats& stats() const { return stats_; }

 private:
  void put(const std::string& key, const V& value) {
    const auto now = Clock::now();
    entries_.insert_or_assign(key, Entry{value, now, now});
    while (entries_.size() > options_.max_entries) {
      auto oldest = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second.used < oldest->second.used) oldest = it;
      }
      entries_.erase(oldest);
      ++stats_.evictions;
    }
  }

  net::any_io_executor executor_;
  AsyncCacheOptions options_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::string, std::shared_ptr<SingleFlight<Result<V>>>, std::less<>> flights_;
  AsyncCacheStats stats_;
};

}  // namespace mcpk
