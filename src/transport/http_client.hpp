/// @file
/// @brief A one-shot HTTP(S) client: for OAuth, the IdP's discovery document, JWKS,
/// token endpoint, and client ID metadata documents. Every request has a deadline and a body
/// limit, never follows redirects, verifies TLS (the system roots or a given CA), and — as the
/// SSRF guard for URLs that callers supply — can refuse to connect to anything but public
/// addresses: the addresses are checked after resolution and the connection goes only to
/// checked addresses, so DNS rebinding cannot slip past.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"

namespace mcpk::transport {

struct FetchRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::string content_type{};
};

struct FetchOptions {
  std::string ca_file{};  ///< empty: the system's roots
  std::chrono::milliseconds timeout{10000};
  std::size_t max_body = 1024 * 1024;
  /// False: only public addresses (no loopback, private, link-local, …), for URLs that
  /// clients supply.
  bool allow_private = true;
  /// For messages: what is being fetched ("the client ID metadata document").
  std::string what = "the request";
};

struct FetchResponse {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string location;
};

/// Fetches `request.url` (http or https). Errors say what failed and where (host and path),
/// never a header value or a body.
Task<Result<FetchResponse>> fetch(net::any_io_executor executor, FetchRequest request, FetchOptions options);

/// application/x-www-form-urlencoded encoding of `fields` (for token requests).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace mcpk::transport
