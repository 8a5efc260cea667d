#include "core/single_flight.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

namespace mcpk {
namespace {

struct Shared {
  SingleFlight<int> flight;
  int runs = 0;
  std::vector<int> seen;
};

Task<void> caller(Shared& s, net::io_context& io, bool give_up) {
  for (;;) {
    if (s.flight.busy()) {
      if (auto r = co_await s.flight.join()) {
        s.seen.push_back(*r);
        co_return;
      }
      continue;  // the leader gave up: try again
    }
    auto lead = s.flight.lead(io.get_executor());
    ++s.runs;
    net::steady_timer t(io, std::chrono::milliseconds(20));
    co_await t.async_wait(use_tuple);
    if (give_up) co_return;  // ends without finish(): the joiners retry
    s.seen.push_back(lead.finish(s.runs * 10));
    co_return;
  }
}

TEST(SingleFlight, ConcurrentCallersShareOneRun) {
  net::io_context io;
  Shared s;
  for (int i = 0; i < 5; ++i) net::co_spawn(io, caller(s, io, false), net::detached);
  io.run();
  EXPECT_EQ(s.runs, 1);
  EXPECT_EQ(s.seen, (std::vector<int>{10, 10, 10, 10, 10}));
}

TEST(SingleFlight, JoinersRetryWhenTheLeaderGivesUp) {
  net::io_context io;
  Shared s;
  net::co_spawn(io, caller(s, io, true), net::detached);
  for (int i = 0; i < 3; ++i) net::co_spawn(io, caller(s, io, false), net::detached);
  io.run();
  EXPECT_EQ(s.runs, 2);  // the first gave up; one of the others led the second run
  EXPECT_EQ(s.seen, (std::vector<int>{20, 20, 20}));
  EXPECT_FALSE(s.flight.busy());
}

}  // namespace
}  // namespace mcpk
