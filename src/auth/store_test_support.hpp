/// @file
/// @brief What the token store tests share: driving coroutines on a local io_context, and the
/// semantic checks that every Store implementation passes (a type-parameterised suite, so the
/// memory store and Redis provably mean the same thing). Included by *_test.cpp only.
///
/// A backend provides: `std::string unavailable()` (why the suite is skipped, or empty),
/// `net::io_context& io()`, `Store& store()` (a fresh key space for each test) and
/// `advance(std::chrono::milliseconds)` (time passing: an injected clock or a real sleep).
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "auth/store.hpp"

namespace mcpk::auth {
namespace {

using namespace std::chrono_literals;

// Runs `tasks` concurrently on `io` until all have finished (other work, such as a
// connection's reader, stays pending for the next run).
template <class T>
std::vector<T> run_all(net::io_context& io, std::vector<Task<T>> tasks) {
  std::vector<std::optional<T>> out(tasks.size());
  std::size_t done = 0;
  std::exception_ptr failure;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    net::co_spawn(io, std::move(tasks[i]), [&out, &done, &failure, i](std::exception_ptr e, T value) {
      if (e) {
        failure = e;
      } else {
        out[i].emplace(std::move(value));
      }
      ++done;
    });
  }
  io.restart();
  while (done < out.size() && io.run_one() > 0) {
  }
  if (failure) std::rethrow_exception(failure);
  if (done < out.size()) throw std::runtime_error("the io_context ran out of work before the tasks finished");
  std::vector<T> results;
  for (auto& r : out) results.push_back(std::move(*r));
  return results;
}

template <class T>
T run(net::io_context& io, Task<T> task) {
  std::vector<Task<T>> one;
  one.push_back(std::move(task));
  return std::move(run_all(io, std::move(one)).front());
}

template <class Backend>
class StoreSemantics : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = backend_.unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  template <class T>
  T run(Task<T> task) {
    return auth::run(backend_.io(), std::move(task));
  }
  Store& store() { return backend_.store(); }
  void advance(std::chrono::milliseconds d) { backend_.advance(d); }

  Backend backend_;
};

TYPED_TEST_SUITE_P(StoreSemantics);

TYPED_TEST_P(StoreSemantics, GetSeesWhatPutWroteAndPutReplaces) {
  auto& s = this->store();
  EXPECT_EQ(this->run(s.get("a")).value(), std::nullopt);
  ASSERT_TRUE(this->run(s.put("a", "one", 0s)));
  EXPECT_EQ(this->run(s.get("a")).value(), "one");
  ASSERT_TRUE(this->run(s.put("a", "two", 60s)));
  EXPECT_EQ(this->run(s.get("a")).value(), "two");
  EXPECT_EQ(this->run(s.get("ab")).value(), std::nullopt);  // keys are exact, not prefixes
  const std::string binary("x\0y\r\n$3\r\n*", 11);          // binary-safe, RESP-looking bytes
  ASSERT_TRUE(this->run(s.put(binary, binary, 0s)));
  EXPECT_EQ(this->run(s.get(binary)).value(), binary);
  const std::string big(100 * 1024, 'v');
  ASSERT_TRUE(this->run(s.put("big", big, 0s)));
  EXPECT_EQ(this->run(s.get("big")).value(), big);
}

TYPED_TEST_P(StoreSemantics, EntriesExpireAfterTheirTtlAndZeroMeansNever) {
  auto& s = this->store();
  ASSERT_TRUE(this->run(s.put("short", "v", 1s)));
  ASSERT_TRUE(this->run(s.put("forever", "v", 0s)));
  EXPECT_EQ(this->run(s.get("short")).value(), "v");
  this->advance(1100ms);
  EXPECT_EQ(this->run(s.get("short")).value(), std::nullopt);
  EXPECT_EQ(this->run(s.take("short")).value(), std::nullopt);
  EXPECT_FALSE(this->run(s.remove("short")).value());
  EXPECT_EQ(this->run(s.get("forever")).value(), "v");
}

TYPED_TEST_P(StoreSemantics, PutIfAbsentSetsOnlyAnAbsentOrExpiredKey) {
  auto& s = this->store();
  EXPECT_TRUE(this->run(s.put_if_absent("lock", "first", 1s)).value());
  EXPECT_FALSE(this->run(s.put_if_absent("lock", "second", 1s)).value());
  EXPECT_EQ(this->run(s.get("lock")).value(), "first");
  this->advance(1100ms);
  EXPECT_TRUE(this->run(s.put_if_absent("lock", "third", 0s)).value());
  EXPECT_EQ(this->run(s.get("lock")).value(), "third");
}

TYPED_TEST_P(StoreSemantics, TakeIsSingleUseEvenForConcurrentCallers) {
  auto& s = this->store();
  ASSERT_TRUE(this->run(s.put("code", "grant", 60s)));
  EXPECT_EQ(this->run(s.take("code")).value(), "grant");
  EXPECT_EQ(this->run(s.take("code")).value(), std::nullopt);
  EXPECT_EQ(this->run(s.get("code")).value(), std::nullopt);
  ASSERT_TRUE(this->run(s.put("code", "again", 60s)));
  std::vector<Task<Result<std::optional<std::string>>>> takes;
  for (int i = 0; i < 8; ++i) takes.push_back(s.take("code"));
  int winners = 0;
  for (auto& r : run_all(this->backend_.io(), std::move(takes))) winners += r.value().has_value() ? 1 : 0;
  EXPECT_EQ(winners, 1);
}

TYPED_TEST_P(StoreSemantics, RemoveTellsWhetherTheKeyExisted) {
  auto& s = this->store();
  EXPECT_FALSE(this->run(s.remove("k")).value());
  ASSERT_TRUE(this->run(s.put("k", "v", 0s)));
  EXPECT_TRUE(this->run(s.remove("k")).value());
  EXPECT_EQ(this->run(s.get("k")).value(), std::nullopt);
  EXPECT_FALSE(this->run(s.remove("k")).value());
}

TYPED_TEST_P(StoreSemantics, RemoveIfDeletesOnlyWhileTheKeyHoldsTheValue) {
  auto& s = this->store();
  EXPECT_FALSE(this->run(s.remove_if("lock", "me")).value());
  ASSERT_TRUE(this->run(s.put("lock", "me", 60s)));
  EXPECT_FALSE(this->run(s.remove_if("lock", "someone-else")).value());
  EXPECT_EQ(this->run(s.get("lock")).value(), "me");
  EXPECT_FALSE(this->run(s.remove_if("lock", "m")).value());  // exact, not a prefix
  EXPECT_TRUE(this->run(s.remove_if("lock", "me")).value());
  EXPECT_EQ(this->run(s.get("lock")).value(), std::nullopt);
}

TYPED_TEST_P(StoreSemantics, IncrementCountsInAFixedWindowFromTheFirstIncrement) {
  auto& s = this->store();
  EXPECT_EQ(this->run(s.increment("rate", 1s)).value(), 1);
  EXPECT_EQ(this->run(s.increment("rate", 1s)).value(), 2);
  this->advance(600ms);
  EXPECT_EQ(this->run(s.increment("rate", 1s)).value(), 3);  // the window is not extended
  EXPECT_EQ(this->run(s.get("rate")).value(), "3");
  this->advance(600ms);
  EXPECT_EQ(this->run(s.increment("rate", 1s)).value(), 1);  // a new window
  EXPECT_EQ(this->run(s.increment("forever", 0s)).value(), 1);
  this->advance(1100ms);
  EXPECT_EQ(this->run(s.increment("forever", 0s)).value(), 2);
  ASSERT_TRUE(this->run(s.put("preset", "41", 0s)));
  EXPECT_EQ(this->run(s.increment("preset", 1s)).value(), 42);
  std::vector<Task<Result<std::int64_t>>> many;
  for (int i = 0; i < 10; ++i) many.push_back(s.increment("concurrent", 60s));
  std::int64_t highest = 0;
  for (auto& r : run_all(this->backend_.io(), std::move(many))) highest = std::max(highest, r.value());
  EXPECT_EQ(highest, 10);
}

TYPED_TEST_P(StoreSemantics, MisuseFailsTheSameWay) {
  auto& s = this->store();
  ASSERT_TRUE(this->run(s.put("text", "not-a-number", 0s)));
  auto inc = this->run(s.increment("text", 1s));
  ASSERT_FALSE(inc);
  EXPECT_EQ(inc.error().code, Errc::internal) << inc.error().message;
  EXPECT_EQ(this->run(s.get("text")).value(), "not-a-number");
  auto put = this->run(s.put("k", "v", -1s));
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, Errc::invalid_argument);
  EXPECT_EQ(this->run(s.get("k")).value(), std::nullopt);
  EXPECT_EQ(this->run(s.put_if_absent("k", "v", -1s)).error().code, Errc::invalid_argument);
  EXPECT_EQ(this->run(s.increment("k", -1s)).error().code, Errc::invalid_argument);
}

REGISTER_TYPED_TEST_SUITE_P(StoreSemantics, GetSeesWhatPutWroteAndPutReplaces,
                            EntriesExpireAfterTheirTtlAndZeroMeansNever, PutIfAbsentSetsOnlyAnAbsentOrExpiredKey,
                            TakeIsSingleUseEvenForConcurrentCallers, RemoveTellsWhetherTheKeyExisted,
                            RemoveIfDeletesOnlyWhileTheKeyHoldsTheValue,
                            IncrementCountsInAFixedWindowFromTheFirstIncrement, MisuseFailsTheSameWay);

}  // namespace
}  // namespace mcpk::auth
