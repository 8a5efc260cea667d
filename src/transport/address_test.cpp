#include "transport/address.hpp"

#include <gtest/gtest.h>

namespace mcpk::transport {
namespace {

TEST(AddressTest, Classifies) {
  EXPECT_EQ(classify_literal("127.0.0.1"), AddressKind::loopback);
  EXPECT_EQ(classify_literal("[::1]"), AddressKind::loopback);
  EXPECT_EQ(classify_literal("10.1.2.3"), AddressKind::private_net);
  EXPECT_EQ(classify_literal("172.16.0.1"), AddressKind::private_net);
  EXPECT_EQ(classify_literal("172.32.0.1"), AddressKind::public_net);
  EXPECT_EQ(classify_literal("192.168.1.1"), AddressKind::private_net);
  EXPECT_EQ(classify_literal("100.64.0.1"), AddressKind::private_net);
  EXPECT_EQ(classify_literal("169.254.169.254"), AddressKind::link_local);
  EXPECT_EQ(classify_literal("fe80::1"), AddressKind::link_local);
  EXPECT_EQ(classify_literal("fd00::1"), AddressKind::private_net);
  EXPECT_EQ(classify_literal("::ffff:10.0.0.1"), AddressKind::private_net);
  EXPECT_EQ(classify_literal("0.0.0.0"), AddressKind::unspecified);
  EXPECT_EQ(classify_literal("8.8.8.8"), AddressKind::public_net);
  EXPECT_EQ(classify_literal("example.com"), std::nullopt);
  // IPv6 that carries an IPv4 address is judged by that address
  EXPECT_EQ(classify_literal("64:ff9b::a9fe:a9fe"), AddressKind::link_local);  // NAT64 169.254.169.254
  EXPECT_EQ(classify_literal("64:ff9b::808:808"), AddressKind::public_net);
  EXPECT_EQ(classify_literal("2002:a00:1::"), AddressKind::private_net);  // 6to4 10.0.0.1
  EXPECT_EQ(classify_literal("::a00:1"), AddressKind::private_net);       // IPv4-compatible 10.0.0.1
  EXPECT_EQ(classify_literal("2001:db8::1"), AddressKind::public_net);
  EXPECT_EQ(classify_literal("192.0.0.8"), AddressKind::private_net);
  EXPECT_EQ(classify_literal("198.19.1.1"), AddressKind::private_net);
  EXPECT_TRUE(is_loopback_host("LOCALHOST"));
  EXPECT_TRUE(is_loopback_host("app.localhost"));
  EXPECT_FALSE(is_loopback_host("localhost.example.com"));
}

}  // namespace
}  // namespace mcpk::transport
