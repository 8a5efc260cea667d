#include "auth/redirect_uri.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/url/parse.hpp>

#include "core/text.hpp"
#include "transport/address.hpp"

namespace mcpk::auth {

using transport::AddressKind;
using transport::classify;
using transport::classify_literal;
using transport::is_loopback_host;
namespace {

constexpr std::array kDangerous{"javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss"};

Result<void> bad(std::string_view uri, std::string_view why) {
  return fail(Errc::invalid_argument, fmt::format("redirect URI \"{}\" {}", clip(uri, 200), why));
}

Result<void> check_kind(std::string_view uri, AddressKind kind, const RedirectPolicy& p, bool literal) {
  const char* how = literal ? "is" : "resolves to";
  switch (kind) {
    case AddressKind::public_net:
    case AddressKind::loopback:
      return {};
    case AddressKind::private_net:
      if (p.allow_private_ips || !p.production) return {};
      return bad(uri, fmt::format("{} a private address (allow with --allow-private-ip-redirect-uris)", how));
    case AddressKind::link_local:
      if (p.allow_link_local) return {};
      return bad(uri, fmt::format("{} a link-local address (allow with --allow-link-local-redirect-uris)", how));
    case AddressKind::unspecified:
    case AddressKind::multicast:
      return bad(uri, fmt::format("{} an {} address", how, to_string(kind)));
  }
  return {};
}

}  // namespace

std::string uri_scheme(std::string_view uri) {
  auto u = boost::urls::parse_uri(uri);
  if (!u) return {};
  return lower_ascii(u->scheme());
}

Result<void> check_redirect_uri(std::string_view uri, const RedirectPolicy& p) {
  if (uri.empty()) return bad(uri, "is empty");
  if (uri.size() > 2000) return bad(uri, "is longer than 2000 characters");
  auto u = boost::urls::parse_uri(uri);
  if (!u) return bad(uri, "is not an absolute URI");
  if (u->has_fragment()) return bad(uri, "has a fragment (#), which OAuth forbids");
  if (u->has_userinfo()) return bad(uri, "carries credentials");
  const auto scheme = lower_ascii(u->scheme());
  if (std::find(kDangerous.begin(), kDangerous.end(), scheme) != kDangerous.end()) {
    return bad(uri, fmt::format("uses the scheme \"{}\", which is never allowed", scheme));
  }
  if (scheme != "http" && scheme != "https") {
    // A native app's private-use scheme (com.example.app:/callback, cursor://…): allowed.
    return {};
  }
  const std::string host = u->host_address();
  if (host.empty()) return bad(uri, "has no host");
  const bool loopback = is_loopback_host(host);
  if (scheme == "http" && !loopback && p.production) {
    return bad(
        uri, "uses http on a host other than loopback (https is required; --disable-production-mode for development)");
  }
  if (auto kind = classify_literal(host)) return check_kind(uri, *kind, p, true);
  return {};
}

Task<Result<void>> validate_redirect_uri(net::any_io_executor executor, std::string uri, RedirectPolicy p) {
  if (auto ok = check_redirect_uri(uri, p); !ok) co_return ok;
  auto u = boost::urls::parse_uri(uri);
  const auto scheme = lower_ascii(u->scheme());
  const std::string host = u->host_address();
  if (!p.dns_validation || (scheme != "http" && scheme != "https") || classify_literal(host) ||
      is_loopback_host(host)) {
    co_return Result<void>{};
  }
  net::ip::tcp::resolver resolver(executor);
  auto [ec, results] = co_await resolver.async_resolve(host, "443", use_tuple);
  if (ec) {
    if (!p.dns_strict) co_return Result<void>{};
    co_return bad(uri,
                  fmt::format("names a host that does not resolve ({}; --disable-dns-validation-strict accepts it)",
                              ec.message()));
  }
  for (const auto& entry : results) {
    if (auto ok = check_kind(uri, classify(entry.endpoint().address()), p, false); !ok) co_return ok;
  }
  co_return Result<void>{};
}

bool redirect_uri_matches(std::string_view registered, std::string_view requested) {
  if (registered == requested) return true;
  auto a = boost::urls::parse_uri(registered);
  auto b = boost::urls::parse_uri(requested);
  if (!a || !b) return false;
  if (lower_ascii(a->scheme()) != "http" || lower_ascii(b->scheme()) != "http") return false;
  if (!is_loopback_host(a->host_address()) || a->host_address() != b->host_address()) return false;
  return a->encoded_path() == b->encoded_path() && a->encoded_query() == b->encoded_query() &&
         a->has_query() == b->has_query() && !b->has_fragment() && !b->has_userinfo();
}

}  // namespace mcpk::auth
