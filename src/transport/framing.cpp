#include "transport/framing.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mcpk::transport {
namespace {

namespace http = boost::beast::http;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool valid_port(std::string_view p) {
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  return !p.empty() && p.size() <= 5 && ec == std::errc{} && ptr == p.data() + p.size() && v <= 65535;
}

bool reg_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 261) return false;
  std::string_view name = host, port;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    const auto inside = host.substr(1, close - 1);
    if (inside.empty() || !std::ranges::all_of(inside, [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        }))
      return false;
    const auto rest = host.substr(close + 1);
    if (rest.empty()) return true;
    return rest.front() == ':' && valid_port(rest.substr(1));
  }
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (!valid_port(port)) return false;  // also refuses a second colon
  }
  return !name.empty() && std::ranges::all_of(name, reg_name_char);
}

std::string framing_error(const http::request_header<>& h) {
  std::size_t te = 0, cl = 0, hosts = 0;
  std::string_view te_value, host;
  for (const auto& f : h) {
    if (f.name() == http::field::transfer_encoding) {
      ++te;
      te_value = f.value();
    } else if (f.name() == http::field::content_length) {
      ++cl;
    } else if (f.name() == http::field::host) {
      ++hosts;
      host = f.value();
    }
  }
  if (te > 1 || (te == 1 && lower(trim(te_value)) != "chunked")) {
    return "Transfer-Encoding other than a single \"chunked\" is not accepted";
  }
  if (te && cl) return "Transfer-Encoding and Content-Length together are not accepted";
  if (hosts > 1) return "more than one Host header";
  if (hosts == 0 && h.version() >= 11) return "HTTP/1.1 request without a Host header";
  if (hosts == 1 && !valid_host(trim(host))) return "the Host header is not a host[:port]";
  return {};
}

std::string media_type(std::string_view value) { return lower(trim(value.substr(0, value.find(';')))); }

bool accepts(std::string_view accept, std::string_view type) {
  if (trim(accept).empty()) return true;
  const auto slash = type.find('/');
  const auto wildcard = std::string(type.substr(0, slash)) + "/*";
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    const auto element = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    const auto mt = media_type(element);
    if (mt != type && mt != wildcard && mt != "*/*") continue;
    // A q-value of 0 means "not acceptable".
    const auto params = lower(element.substr(std::min(element.size(), element.find(';'))));
    const auto q = params.find("q=");
    if (q != std::string::npos) {
      auto v = std::string_view(params).substr(q + 2);
      v = trim(v.substr(0, v.find(';')));
      if (!v.empty() && std::ranges::all_of(v, [](char c) { return c == '0' || c == '.'; })) continue;
    }
    return true;
  }
  return false;
}

}  // namespace mcpk::transport
