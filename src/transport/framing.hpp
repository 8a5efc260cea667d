/// @file
/// @brief Strict reading of an HTTP/1.1 request's framing and media types, so that what a
/// proxy in front of us reads as one request is what we read (no smuggling): any
/// Transfer-Encoding but a lone `chunked` is refused, as are Transfer-Encoding together with
/// Content-Length, a missing (HTTP/1.1) or repeated Host, and a Host that is not an authority.
/// Media types are parsed, never matched as substrings.
#pragma once

#include <boost/beast/http.hpp>
#include <string>
#include <string_view>

namespace mcpk::transport {

/// Why the request's framing is refused (400, then the connection closes); "" when it is fine.
std::string framing_error(const boost::beast::http::request_header<>& header);

/// A Host header value is an authority: reg-name, IPv4 or [IPv6], with an optional port.
bool valid_host(std::string_view host);

/// The media type of a Content-Type or of one Accept element, lower-cased, parameters dropped
/// ("Application/JSON; charset=utf-8" → "application/json").
std::string media_type(std::string_view value);

/// Whether an Accept header admits `type` ("type/subtype"): listed, or "type/*", or "*/*",
/// with a q-value above 0. An empty Accept admits everything.
bool accepts(std::string_view accept, std::string_view type);

}  // namespace mcpk::transport
