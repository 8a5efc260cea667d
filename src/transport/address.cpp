#include "transport/address.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "core/text.hpp"

namespace mcpk::transport {
namespace {

AddressKind classify_v4(const boost::asio::ip::address_v4& a) {
  const auto b = a.to_bytes();
  if (a.is_loopback()) return AddressKind::loopback;
  if (a.is_unspecified()) return AddressKind::unspecified;
  if (a.is_multicast() || b[0] >= 240) return AddressKind::multicast;  // and reserved 240/4
  if (b[0] == 169 && b[1] == 254) return AddressKind::link_local;
  if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
      (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] == 0 || (b[0] == 192 && b[1] == 0 && b[2] == 0) ||
      (b[0] == 198 && (b[1] & 0xfe) == 18)) {
    // RFC 1918, CGNAT 100.64/10, "this network" 0/8, IETF protocol assignments 192.0.0/24,
    // benchmarking 198.18/15
    return AddressKind::private_net;
  }
  return AddressKind::public_net;
}

}  // namespace

AddressKind classify(const boost::asio::ip::address& address) {
  if (address.is_v4()) return classify_v4(address.to_v4());
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return classify_v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  if (v6.is_loopback()) return AddressKind::loopback;
  if (v6.is_unspecified()) return AddressKind::unspecified;
  if (v6.is_multicast()) return AddressKind::multicast;
  if (v6.is_link_local()) return AddressKind::link_local;
  const auto b = v6.to_bytes();
  // IPv6 forms that carry an IPv4 address reach that address: judge it instead. NAT64
  // 64:ff9b::/96 and the IPv4-compatible ::a.b.c.d hold it in the last 4 bytes, 6to4
  // 2002::/16 in bytes 2..5.
  const auto embedded = [&](std::size_t at) {
    return classify_v4(boost::asio::ip::address_v4({b[at], b[at + 1], b[at + 2], b[at + 3]}));
  };
  const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                     std::all_of(b.begin() + 4, b.begin() + 12, [](auto x) { return x == 0; });
  const bool compatible = std::all_of(b.begin(), b.begin() + 12, [](auto x) { return x == 0; });
  if (nat64 || compatible) return embedded(12);
  if (b[0] == 0x20 && b[1] == 0x02) return embedded(2);
  if ((b[0] & 0xfe) == 0xfc) return AddressKind::private_net;  // fc00::/7 unique local
  if (v6.is_site_local()) return AddressKind::private_net;     // fec0::/10 (deprecated)
  return AddressKind::public_net;
}

std::optional<AddressKind> classify_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return classify(address);
}

bool is_loopback_host(std::string_view host) {
  const std::string lower = lower_ascii(host);
  if (lower == "localhost" || lower.ends_with(".localhost")) return true;
  const auto kind = classify_literal(lower);
  return kind && *kind == AddressKind::loopback;
}

const char* to_string(AddressKind kind) {
  switch (kind) {
    case AddressKind::loopback:
      return "loopback";
    case AddressKind::private_net:
      return "private";
    case AddressKind::link_local:
      return "link-local";
    case AddressKind::unspecified:
      return "unspecified";
    case AddressKind::multicast:
      return "multicast or reserved";
    case AddressKind::public_net:
      return "public";
  }
  return "unknown";
}

}  // namespace mcpk::transport
