#include "jsonrpc/message.hpp"

#include <gtest/gtest.h>

namespace mcpk::jsonrpc {

TEST(JsonRpc, ClassifiesRequestNotificationResponse) {
  auto r = parse_message(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}})");
  ASSERT_TRUE(r);
  auto* req = std::get_if<Request>(&*r);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->method, "tools/list");
  EXPECT_EQ(req->id.as_int64(), 7);
  EXPECT_EQ(string_or(req->params, "cursor"), "x");

  auto n = parse_message(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(n);
  EXPECT_TRUE(std::holds_alternative<Notification>(*n));

  auto resp = parse_message(R"({"jsonrpc":"2.0","id":"a","result":{}})");
  ASSERT_TRUE(resp);
  EXPECT_TRUE(std::holds_alternative<Response>(*resp));
}

TEST(JsonRpc, RejectsMalformed) {
  auto bad_json = parse_message("{not json");
  ASSERT_FALSE(bad_json);
  EXPECT_EQ(bad_json.error().code, kParseError);

  struct Case {
    const char* text;
    int code;
  } cases[] = {
      {R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", kInvalidRequest},
      {R"("just a string")", kInvalidRequest},
      {R"({"id":1,"method":"ping"})", kInvalidRequest},
      {R"({"jsonrpc":"1.0","id":1,"method":"ping"})", kInvalidRequest},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", kInvalidRequest},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", kInvalidRequest},
      {R"({"jsonrpc":"2.0","id":true,"method":"ping"})", kInvalidRequest},
      {R"({"jsonrpc":"2.0","id":1,"method":""})", kInvalidRequest},
      {R"({"jsonrpc":"2.0","id":1,"method":42})", kInvalidRequest},
      {R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1]})", kInvalidParams},
      {R"({"jsonrpc":"2.0","id":1})", kInvalidRequest},
      {R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})", kInvalidRequest},
  };
  for (const auto& c : cases) {
    auto m = parse_message(c.text);
    ASSERT_FALSE(m) << c.text;
    EXPECT_EQ(m.error().code, c.code) << c.text;
  }
}

TEST(JsonRpc, KeepsIdOfInvalidRequestWhenUsable) {
  auto m = parse_message(R"({"jsonrpc":"2.0","id":"abc","method":"x","params":"oops"})");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().id.as_string(), "abc");
}

TEST(JsonRpc, IdKeysDistinguishTypes) {
  EXPECT_NE(id_key(json::value("1")), id_key(json::value(1)));
  EXPECT_EQ(id_key(json::value(1)), "n:1");
}

TEST(JsonRpc, BuildsMessages) {
  auto e = make_error(json::value(3), kMethodNotFound, "Method not found: x");
  EXPECT_EQ(to_json(e), R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found: x"}})");
  auto r = make_result(json::value("a"), json::object{});
  EXPECT_EQ(to_json(r), R"({"jsonrpc":"2.0","id":"a","result":{}})");
}

}  // namespace mcpk::jsonrpc
