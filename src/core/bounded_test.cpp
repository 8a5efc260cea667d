// Jobs run side by side with a bound (for_each_bounded), and results that arrive later (Pending).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <vector>

#include "core/bounded.hpp"
#include "core/pending.hpp"

namespace mcpk {
namespace {

using namespace std::chrono_literals;

struct Counts {
  int running = 0;
  int most = 0;
  std::vector<std::size_t> done;
};

Task<void> run_all(net::io_context& io, Counts& c, std::size_t n, std::size_t width) {
  std::function<Task<void>(std::size_t)> job = [&](std::size_t i) -> Task<void> {
    c.most = std::max(c.most, ++c.running);
    net::steady_timer t(io, std::chrono::milliseconds(5 * (n - i)));
    co_await t.async_wait(use_tuple);
    --c.running;
    c.done.push_back(i);
  };
  co_await for_each_bounded(io.get_executor(), n, width, job);
  c.done.push_back(1000);  // after every job
}

TEST(ForEachBounded, RunsEveryJobAtMostWidthAtOnce) {
  net::io_context io;
  Counts c;
  net::co_spawn(io, run_all(io, c, 10, 3), net::detached);
  io.run();
  EXPECT_EQ(c.most, 3);
  ASSERT_EQ(c.done.size(), 11u);
  EXPECT_EQ(c.done.back(), 1000u);
}

TEST(ForEachBounded, NothingToDoReturnsAtOnce) {
  net::io_context io;
  Counts c;
  net::co_spawn(io, run_all(io, c, 0, 3), net::detached);
  io.run();
  EXPECT_EQ(c.done, std::vector<std::size_t>{1000});
}

Task<int> later(net::io_context& io, int value, std::chrono::milliseconds after) {
  net::steady_timer t(io, after);
  co_await t.async_wait(use_tuple);
  co_return value;
}

Task<void> wait_twice(std::shared_ptr<Pending<int>> p, std::vector<int>& seen) {
  seen.push_back(co_await p->wait());
  seen.push_back(co_await p->wait());  // again, after it finished
}

TEST(Pending, RunsAtOnceAndAnswersEveryWaiter) {
  net::io_context io;
  auto p = Pending<int>::start(io.get_executor(), later(io, 7, 10ms));
  std::vector<int> seen;
  net::co_spawn(io, wait_twice(p, seen), net::detached);
  net::co_spawn(io, wait_twice(p, seen), net::detached);
  EXPECT_FALSE(p->ready());
  io.run();
  EXPECT_TRUE(p->ready());
  EXPECT_EQ(seen, (std::vector<int>{7, 7, 7, 7}));
}

TEST(Pending, AWaiterAfterTheEndGetsTheResult) {
  net::io_context io;
  auto p = Pending<int>::start(io.get_executor(), later(io, 3, 1ms));
  io.run();
  io.restart();
  std::vector<int> seen;
  net::co_spawn(io, wait_twice(p, seen), net::detached);
  io.run();
  EXPECT_EQ(seen, (std::vector<int>{3, 3}));
}

}  // namespace
}  // namespace mcpk
