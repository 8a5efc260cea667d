#include "core/async_cache.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace mcpk {
namespace {

using namespace std::chrono_literals;
using Cache = AsyncCache<int>;

// A maker that takes `delay`, counts its runs and yields `value` (or fails).
Cache::Make maker(net::io_context& io, int& runs, int value, bool ok = true, std::chrono::milliseconds delay = 10ms) {
  return [&io, &runs, value, ok, delay]() -> Task<Result<int>> {
    ++runs;
    net::steady_timer t(io, delay);
    co_await t.async_wait(use_tuple);
    if (!ok) co_return fail(Errc::unavailable, "cannot make it");
    co_return value;
  };
}

Task<void> get_into(Cache& cache, std::string key, Cache::Make make, std::vector<Result<int>>& out) {
  auto r = co_await cache.get(std::move(key), std::move(make), nullptr);
  out.push_back(std::move(r));
}

std::vector<Result<int>> run_gets(net::io_context& io, Cache& cache, const std::vector<std::string>& keys,
                                  const Cache::Make& make) {
  std::vector<Result<int>> out;
  for (const auto& k : keys) net::co_spawn(io, get_into(cache, k, make, out), net::detached);
  io.restart();
  io.run();
  return out;
}

TEST(AsyncCache, ConcurrentMissesShareOneCreation) {
  net::io_context io;
  Cache cache(io.get_executor(), {});
  int runs = 0;
  auto out = run_gets(io, cache, {"a", "a", "a", "b"}, maker(io, runs, 7));
  EXPECT_EQ(runs, 2);  // one for "a", one for "b"
  ASSERT_EQ(out.size(), 4u);
  for (const auto& r : out) EXPECT_EQ(r.value_or(0), 7);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.stats().misses, 2u);
  run_gets(io, cache, {"a"}, maker(io, runs, 8));
  EXPECT_EQ(runs, 2);                 // a hit
  EXPECT_EQ(cache.stats().hits, 3u);  // two joiners, then the hit
}

TEST(AsyncCache, AFailedCreationIsNotCached) {
  net::io_context io;
  Cache cache(io.get_executor(), {});
  int runs = 0;
  auto out = run_gets(io, cache, {"a", "a"}, maker(io, runs, 0, false));
  EXPECT_EQ(runs, 1);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0]);
  EXPECT_FALSE(out[1]);  // the joiner shares the failure
  EXPECT_EQ(cache.size(), 0u);
  out = run_gets(io, cache, {"a"}, maker(io, runs, 5));
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(out.at(0).value_or(0), 5);
}

TEST(AsyncCache, EntriesExpireAfterTheirTtl) {
  net::io_context io;
  Cache cache(io.get_executor(), {.ttl = 30ms, .max_entries = 10});
  int runs = 0;
  run_gets(io, cache, {"a"}, maker(io, runs, 1, true, 0ms));
  run_gets(io, cache, {"a"}, maker(io, runs, 2, true, 0ms));
  EXPECT_EQ(runs, 1);
  std::this_thread::sleep_for(40ms);
  auto out = run_gets(io, cache, {"a"}, maker(io, runs, 3, true, 0ms));
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(out.at(0).value_or(0), 3);
  EXPECT_EQ(cache.stats().evictions, 1u);
}

TEST(AsyncCache, TheLeastRecentlyUsedEntryGoesBeyondTheBound) {
  net::io_context io;
  Cache cache(io.get_executor(), {.ttl = std::chrono::hours(1), .max_entries = 2});
  int runs = 0;
  auto make = maker(io, runs, 1, true, 0ms);
  run_gets(io, cache, {"a"}, make);
  std::this_thread::sleep_for(2ms);
  run_gets(io, cache, {"b"}, make);
  std::this_thread::sleep_for(2ms);
  run_gets(io, cache, {"a"}, make);  // "a" used again: "b" is now the oldest
  std::this_thread::sleep_for(2ms);
  run_gets(io, cache, {"c"}, make);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.stats().evictions, 1u);
  runs = 0;
  run_gets(io, cache, {"a", "c"}, make);
  EXPECT_EQ(runs, 0);
  run_gets(io, cache, {"b"}, make);
  EXPECT_EQ(runs, 1);
}

TEST(AsyncCache, ErasePrefixDropsAGroupOfKeys) {
  net::io_context io;
  Cache cache(io.get_executor(), {});
  int runs = 0;
  run_gets(io, cache, {std::string("c1\0u1", 5), std::string("c1\0u2", 5), std::string("c2\0u1", 5)},
           maker(io, runs, 1, true, 0ms));
  cache.erase_prefix(std::string("c1\0", 3));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(AsyncCache, ACancelledWaiterStopsWaiting) {
  net::io_context io;
  Cache cache(io.get_executor(), {});
  int runs = 0;
  auto cancel = std::make_shared<CancelToken>();
  std::vector<Result<int>> out;
  net::co_spawn(io, get_into(cache, "a", maker(io, runs, 1, true, 50ms), out), net::detached);
  net::co_spawn(
      io,
      [&]() -> Task<void> {
        auto r = co_await cache.get("a", maker(io, runs, 2), cancel);
        out.push_back(std::move(r));
      },
      net::detached);
  net::steady_timer t(io, 10ms);
  t.async_wait([&](auto) { cancel->cancel("timeout"); });
  io.run();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0]);  // the cancelled joiner, first to finish
  EXPECT_EQ(out[0].error().code, Errc::cancelled);
  EXPECT_EQ(out[1].value_or(0), 1);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace mcpk
