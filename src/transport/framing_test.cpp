#include "transport/framing.hpp"

#include <gtest/gtest.h>

namespace mcpk::transport {
namespace {

namespace http = boost::beast::http;

http::request_header<> header(std::initializer_list<std::pair<std::string, std::string>> fields,
                              unsigned version = 11) {
  http::request_header<> h;
  h.version(version);
  for (const auto& [k, v] : fields) h.insert(k, v);
  return h;
}

}  // namespace

TEST(Framing, HostMustBeOneAuthority) {
  for (auto ok : {"localhost", "localhost:8080", "127.0.0.1:1", "[::1]", "[::1]:80", "mcp.example.com", "a_b.c~d"}) {
    EXPECT_TRUE(valid_host(ok)) << ok;
  }
  for (auto bad :
       {"", "a:80:evil", "a b", "[::1", "[::1]x", "host:", "host:99999", "host:8o", "ex/ample", "@evil", "[zz::1]"}) {
    EXPECT_FALSE(valid_host(bad)) << bad;
  }
  EXPECT_EQ(framing_error(header({{"Host", "localhost"}})), "");
  EXPECT_NE(framing_error(header({})), "");                              // HTTP/1.1 without Host
  EXPECT_EQ(framing_error(header({}, 10)), "");                          // HTTP/1.0 needs none
  EXPECT_NE(framing_error(header({{"Host", "a"}, {"Host", "a"}})), "");  // two Hosts
  EXPECT_NE(framing_error(header({{"Host", "a:80:evil"}})).find("Host"), std::string::npos);
}

TEST(Framing, OnlyALoneChunkedTransferEncoding) {
  EXPECT_EQ(framing_error(header({{"Host", "h"}, {"Transfer-Encoding", "chunked"}})), "");
  EXPECT_EQ(framing_error(header({{"Host", "h"}, {"Transfer-Encoding", " Chunked "}})), "");
  for (auto te : {"xchunked", "chunked, identity", "identity", "gzip, chunked", ""}) {
    EXPECT_NE(framing_error(header({{"Host", "h"}, {"Transfer-Encoding", te}})), "") << te;
  }
  EXPECT_NE(framing_error(header({{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}})),
            "");
  EXPECT_NE(framing_error(header({{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}})), "");
}

TEST(Framing, MediaTypesAreParsed) {
  EXPECT_EQ(media_type("application/json"), "application/json");
  EXPECT_EQ(media_type(" Application/JSON ; charset=utf-8"), "application/json");
  EXPECT_EQ(media_type("text/html; x=application/json"), "text/html");
  EXPECT_TRUE(accepts("application/json, text/event-stream", "text/event-stream"));
  EXPECT_TRUE(accepts("text/*", "text/event-stream"));
  EXPECT_TRUE(accepts("*/*", "application/json"));
  EXPECT_TRUE(accepts("", "application/json"));
  EXPECT_FALSE(accepts("application/json", "text/event-stream"));
  EXPECT_FALSE(accepts("text/event-stream;q=0", "text/event-stream"));
  EXPECT_FALSE(accepts("text/html; x=text/event-stream", "text/event-stream"));
  EXPECT_TRUE(accepts("text/event-stream;q=0.5", "text/event-stream"));
}

}  // namespace mcpk::transport
