/// @file
/// @brief Which redirect URIs a client may register and use (OAuth 2.1 §7.5, RFC 8252, RFC 9700):
/// absolute, no fragment, no credentials; https, or http on loopback (native apps, any port),
/// or a private-use scheme of a native app; never a dangerous scheme (javascript, data, file,
/// …); no private or link-local address unless the operator allows it, and — with DNS
/// validation — no name that resolves to one. Checked at registration and again at
/// authorization (a name's addresses may have changed since).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"

namespace mcpk::auth {

struct RedirectPolicy {
  bool production = true;          ///< false (--disable-production-mode): http and private hosts allowed
  bool allow_private_ips = false;  ///< --allow-private-ip-redirect-uris
  bool allow_link_local = false;   ///< --allow-link-local-redirect-uris
  bool dns_validation = true;      ///< resolve names and check their addresses
  bool dns_strict = true;          ///< a name that does not resolve is refused
  bool check_at_authorize = true;  ///< re-check at /oauth/authorize
};

/// The checks that need no network: syntax, scheme, literal addresses. The error says what is
/// wrong with the URI (the URI itself is the caller's own input, cut to 200 characters).
Result<void> check_redirect_uri(std::string_view uri, const RedirectPolicy& policy);

/// check_redirect_uri, then — for an http(s) URI with a host name and DNS validation on —
/// resolves the name and refuses it when any address is private or link-local (unless allowed).
Task<Result<void>> validate_redirect_uri(net::any_io_executor executor, std::string uri, RedirectPolicy policy);

/// Whether `requested` matches the registered URI: exactly, or — for http on a loopback host —
/// with any port (RFC 8252 §7.3).
bool redirect_uri_matches(std::string_view registered, std::string_view requested);

/// The URI's scheme in lower case ("" when it has none).
std::string uri_scheme(std::string_view uri);

}  // namespace mcpk::auth
