// The socket-free half of the Redis client: URLs of the server and RESP2 replies, with bounds.
#include "auth/redis_protocol.hpp"

#include <gtest/gtest.h>

namespace mcpk::auth {
namespace {

using namespace std::string_view_literals;

TEST(RedisStoreProtocol, UrlForms) {
  auto bare = parse_redis_url("10.0.0.5:6380");
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->host, "10.0.0.5");
  EXPECT_EQ(bare->port, "6380");
  EXPECT_FALSE(bare->tls);
  EXPECT_EQ(parse_redis_url("valkey").value().name(), "valkey:6379");

  auto full = parse_redis_url("redis://mcp:p%40ss%3Aw@redis.example:7000/2");
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->host, "redis.example");
  EXPECT_EQ(full->port, "7000");
  EXPECT_EQ(full->username, "mcp");
  EXPECT_EQ(full->password, "p@ss:w");
  EXPECT_EQ(full->db, 2);

  auto only_password = parse_redis_url("rediss://:pw@[::1]:7001/");
  ASSERT_TRUE(only_password) << only_password.error().message;
  EXPECT_TRUE(only_password->tls);
  EXPECT_EQ(only_password->username, "");
  EXPECT_EQ(only_password->password, "pw");
  EXPECT_EQ(only_password->host, "::1");
  EXPECT_EQ(only_password->name(), "[::1]:7001");
  EXPECT_EQ(only_password->db, 0);
  EXPECT_EQ(parse_redis_url("redis://[fd00::1]").value().name(), "[fd00::1]:6379");
}

TEST(RedisStoreProtocol, BadUrlsAreRefusedWithoutQuotingThePassword) {
  for (const char* url :
       {"http://h:1", "redis://", "redis://:topsecret@", "redis://h:0", "redis://h:65536", "redis://h:x",
        "redis://h:", "redis://h/db", "redis://h/-1", "redis://h?db=1", "redis://:top%zzsecret@h", "::1:6379",
        "redis://[::1", "redis://[::1]x", "h/0", "user:topsecret@h", "redis://:topsecret@h:99999"}) {
    auto r = parse_redis_url(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << url;
    EXPECT_EQ(r.error().message.find("topsecret"), std::string::npos) << r.error().message;
  }
}

RespParse parse_all(std::string_view in, RespValue& out, std::string& why) {
  std::size_t pos = 0;
  const auto st = parse_resp(in, pos, out, why);
  if (st == RespParse::done) {
    EXPECT_EQ(pos, in.size()) << in;
  }
  return st;
}

TEST(RedisStoreProtocol, RepliesOfEveryType) {
  RespValue v;
  std::string why;
  ASSERT_EQ(parse_all("+OK\r\n", v, why), RespParse::done);
  EXPECT_EQ(v.type, RespValue::Type::simple);
  EXPECT_EQ(v.text, "OK");
  ASSERT_EQ(parse_all("-ERR no\r\n", v, why), RespParse::done);
  EXPECT_EQ(v.type, RespValue::Type::error);
  EXPECT_EQ(v.text, "ERR no");
  ASSERT_EQ(parse_all(":-42\r\n", v, why), RespParse::done);
  EXPECT_EQ(v.type, RespValue::Type::integer);
  EXPECT_EQ(v.integer, -42);
  ASSERT_EQ(parse_all("$5\r\na\r\nb\0\r\n"sv, v, why), RespParse::done);
  EXPECT_EQ(v.type, RespValue::Type::bulk);
  EXPECT_EQ(v.text, "a\r\nb\0"sv);
  ASSERT_EQ(parse_all("$0\r\n\r\n", v, why), RespParse::done);
  EXPECT_EQ(v.type, RespValue::Type::bulk);
  EXPECT_EQ(v.text, "");
  ASSERT_EQ(parse_all("$-1\r\n", v, why), RespParse::done);
  EXPECT_EQ(v.type, RespValue::Type::null);
  ASSERT_EQ(parse_all("*-1\r\n", v, why), RespParse::done);
  EXPECT_EQ(v.type, RespValue::Type::null);
  ASSERT_EQ(parse_all("*3\r\n$1\r\na\r\n:5\r\n*1\r\n$-1\r\n", v, why), RespParse::done);
  ASSERT_EQ(v.type, RespValue::Type::array);
  ASSERT_EQ(v.elements.size(), 3u);
  EXPECT_EQ(v.elements[0].text, "a");
  EXPECT_EQ(v.elements[1].integer, 5);
  EXPECT_EQ(v.elements[2].elements.at(0).type, RespValue::Type::null);
}

TEST(RedisStoreProtocol, APartialReplyAsksForMoreAtEveryCut) {
  const std::string replies = "+OK\r\n$3\r\nabc\r\n*2\r\n:1\r\n$-1\r\n:7\r\n";
  for (std::size_t cut = 0; cut <= replies.size(); ++cut) {
    std::string_view seen(replies.data(), cut);
    std::size_t pos = 0;
    int done = 0;
    for (;;) {
      RespValue v;
      std::string why;
      const std::size_t before = pos;
      const auto st = parse_resp(seen, pos, v, why);
      ASSERT_NE(st, RespParse::bad) << why;
      if (st == RespParse::more) {
        EXPECT_EQ(pos, before);
        break;
      }
      ++done;
    }
    if (cut == replies.size()) {
      EXPECT_EQ(done, 4);
    }
  }
}

TEST(RedisStoreProtocol, MalformedAndOversizedRepliesAreRefused) {
  std::string nested;
  for (int i = 0; i < 9; ++i) nested += "*1\r\n";
  nested += ":1\r\n";
  for (const std::string& in :
       {std::string("?x\r\n"), std::string(":12a\r\n"), std::string(":\r\n"), std::string("$-2\r\n"),
        std::string("$3\r\nabcd\r\n"), std::string("*-2\r\n"), std::string("*99999999\r\n"),
        std::string("$16777217\r\n"), std::string("+") + std::string(70 * 1024, 'x'), nested}) {
    RespValue v;
    std::string why;
    std::size_t pos = 0;
    EXPECT_EQ(parse_resp(in, pos, v, why), RespParse::bad) << in.substr(0, 20);
    EXPECT_FALSE(why.empty());
  }
  RespValue v;
  std::string why;
  std::size_t pos = 0;
  EXPECT_EQ(parse_resp("$16777216\r\n", pos, v, why), RespParse::more);  // 16 MiB exactly is allowed
}

TEST(RedisStoreProtocol, CommandsAreArraysOfBulkStrings) {
  EXPECT_EQ(encode_command({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_EQ(encode_command({"SET", "a\0b"sv, ""}), "*3\r\n$3\r\nSET\r\n$3\r\na\0b\r\n$0\r\n\r\n"sv);
}

}  // namespace
}  // namespace mcpk::auth
