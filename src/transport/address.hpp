/// @file
/// @brief What kind of network address a URL points at, for the SSRF and redirect-URI guards:
/// loopback, private (RFC 1918, RFC 4193 unique-local, CGNAT), link-local (169.254/16 —
/// cloud metadata — and fe80::/10), unspecified, multicast; public otherwise.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string_view>

namespace mcpk::transport {

enum class AddressKind { loopback, private_net, link_local, unspecified, multicast, public_net };

AddressKind classify(const boost::asio::ip::address& address);
/// Classifies a literal IP (IPv6 with or without brackets); nullopt when `host` is a name.
std::optional<AddressKind> classify_literal(std::string_view host);
/// "localhost", "*.localhost", or a loopback literal.
bool is_loopback_host(std::string_view host);
const char* to_string(AddressKind kind);

}  // namespace mcpk::transport
