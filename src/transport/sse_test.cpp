#include "transport/sse.hpp"

#include <gtest/gtest.h>

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

TEST(Sse, ParseEventId) {
  EXPECT_EQ(parse_event_id("4-0"), (std::pair<std::uint64_t, std::size_t>{4, 0}));
  EXPECT_EQ(parse_event_id("12-7"), (std::pair<std::uint64_t, std::size_t>{12, 7}));
  for (std::string_view bad : {"", "4", "-1", "4-", "a-1", "4-1x", "4--1", "99999999999999999999999-1"}) {
    EXPECT_FALSE(parse_event_id(bad)) << bad;
  }
}

}  // namespace mcpk::transport
