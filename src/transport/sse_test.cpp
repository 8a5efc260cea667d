#include "transport/sse.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace mcpk::transport {

TEST(Sse, EventIdsNameTheStreamAndPosition) {
  boost::asio::io_context io;
  SseStream s(io.get_executor(), 4, true);
  s.push(R"({"a":1})");
  EXPECT_EQ(s.priming_event(std::chrono::milliseconds(1000)), "id: 4-0\nretry: 1000\ndata: \n\n");
  EXPECT_EQ(s.event(0), "id: 4-1\nevent: message\ndata: {\"a\":1}\n\n");
  SseStream plain(io.get_executor(), 0, false);
  plain.push("{}");
  EXPECT_EQ(plain.event(0), "event: message\ndata: {}\n\n");
}

Task<void> waits(std::shared_ptr<SseStream> s, bool push_first, bool& passed) {
  if (push_first) s->push("{}");
  passed = co_await s->wait_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(10));
}

TEST(Sse, WaitUntilReportsWhetherTheLimitPassed) {
  boost::asio::io_context io;
  auto s = std::make_shared<SseStream>(io.get_executor(), 1, true);
  bool passed = false;
  boost::asio::co_spawn(io, waits(s, false, passed), boost::asio::detached);
  io.run();
  EXPECT_TRUE(passed);  // nothing came
  io.restart();
  boost::asio::steady_timer later(io, std::chrono::milliseconds(2));
  later.async_wait([&](boost::system::error_code) { s->push("{}"); });
  boost::asio::co_spawn(io, waits(s, false, passed), boost::asio::detached);
  io.run();
  EXPECT_FALSE(passed);  // a message came first
}

TEST(Sse, ParseEventId) {
  EXPECT_EQ(parse_event_id("4-0"), (std::pair<std::uint64_t, std::size_t>{4, 0}));
  EXPECT_EQ(parse_event_id("12-7"), (std::pair<std::uint64_t, std::size_t>{12, 7}));
  for (std::string_view bad : {"", "4", "-1", "4-", "a-1", "4-1x", "4--1", "99999999999999999999999-1"}) {
    EXPECT_FALSE(parse_event_id(bad)) << bad;
  }
}

}  // namespace mcpk::transport
