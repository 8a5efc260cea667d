// The in-process token store: the shared store semantics on an injected clock, and the bound
// on memory (expired entries are purged as writes go on).
#include "auth/memory_store.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>

#include "auth/store_test_support.hpp"

namespace mcpk::auth {
namespace {

using Clock = MemoryStore::Clock;

// A memory store whose time moves only when the test says so.
class MemoryBackend {
 public:
  std::string unavailable() const { return {}; }
  net::io_context& io() { return io_; }
  Store& store() { return store_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  net::io_context io_;
  Clock::time_point now_ = Clock::time_point() + 24h;
  MemoryStore store_{[this] { return now_; }};
};

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, StoreSemantics, MemoryBackend);

class MemoryStoreTest : public ::testing::Test {
 protected:
  net::io_context io;
  Clock::time_point now = Clock::time_point() + 24h;
  MemoryStore store{[this] { return now; }};
};

TEST_F(MemoryStoreTest, KindIsMemory) { EXPECT_EQ(store.kind(), "memory"); }

TEST_F(MemoryStoreTest, ExpiredEntriesArePurgedByLaterWrites) {
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(run(io, store.put("old" + std::to_string(i), "v", 1s)));
  EXPECT_EQ(store.size(), 5000u);
  now += 2s;
  // No read touches the old keys: the writes alone must get rid of them.
  for (std::size_t i = 0; i < MemoryStore::kPurgeEvery; ++i) {
    ASSERT_TRUE(run(io, store.put("new" + std::to_string(i), "v", 0s)));
  }
  EXPECT_LE(store.size(), MemoryStore::kPurgeEvery);
  EXPECT_EQ(run(io, store.get("new0")).value(), "v");
}

TEST_F(MemoryStoreTest, MemoryStaysBoundedByTheLiveKeysUnderChurn) {
  // 100 000 rate-limit counters, each live for one second, one new every 10 ms: about 100 are
  // alive at any time.
  std::size_t largest = 0;
  for (int i = 0; i < 100000; ++i) {
    ASSERT_EQ(run(io, store.increment("rate:" + std::to_string(i), 1s)).value(), 1);
    now += 10ms;
    largest = std::max(largest, store.size());
  }
  EXPECT_LE(largest, MemoryStore::kPurgeEvery + 200);
}

TEST_F(MemoryStoreTest, ReadsDropTheExpiredEntryTheyMeet) {
  ASSERT_TRUE(run(io, store.put("k", "v", 1s)));
  now += 1s;  // expiry is inclusive: at ttl the entry is gone
  EXPECT_EQ(run(io, store.get("k")).value(), std::nullopt);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(MemoryStoreTest, AHugeTtlDoesNotOverflowTheClock) {
  ASSERT_TRUE(run(io, store.put("k", "v", Seconds(std::numeric_limits<std::int64_t>::max()))));
  now += 24h * 365 * 100;
  EXPECT_EQ(run(io, store.get("k")).value(), "v");
}

TEST(MemoryStore, TheDefaultClockIsTheSteadyClock) {
  net::io_context io;
  auto store = std::make_shared<MemoryStore>();
  StorePtr as_store = store;
  ASSERT_TRUE(run(io, as_store->put("k", "v", 60s)));
  EXPECT_EQ(run(io, as_store->get("k")).value(), "v");
  EXPECT_EQ(run(io, as_store->increment("n", 60s)).value(), 1);
}

}  // namespace
}  // namespace mcpk::auth
