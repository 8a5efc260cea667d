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

Task<void> cancelled_joiner(Shared& s, CancelTokenPtr cancel, bool& returned) {
  auto r = co_await s.flight.join(cancel);
  returned = !r.has_value() && s.flight.busy();  // back before the leader finished
}

TEST(SingleFlight, ACancelledJoinerStopsWaiting) {
  net::io_context io;
  Shared s;
  auto cancel = std::make_shared<CancelToken>();
  bool returned = false;
  net::co_spawn(io, caller(s, io, false), net::detached);  // leads, takes 20 ms
  net::co_spawn(io, cancelled_joiner(s, cancel, returned), net::detached);
  net::steady_timer t(io, std::chrono::milliseconds(5));
  t.async_wait([&](boost::system::error_code) { cancel->cancel("gone"); });
  io.run();
  EXPECT_TRUE(returned);
  EXPECT_EQ(s.runs, 1);
}

}  // namespace
}  // namespace mcpk
