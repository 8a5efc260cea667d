#include "kube/endpoint.hpp"

#include <fmt/format.h>
#include <boost/asio/buffer.hpp>
#include <boost/url/parse.hpp>

#include "core/base64.hpp"

namespace mcpk::kube {

namespace ssl = boost::asio::ssl;

Result<Endpoint> parse_endpoint(const RestConfig& config) {
  Endpoint e;
  auto url = boost::urls::parse_absolute_uri(config.server);
  if (!url || url->host().empty()) {
    return fail(Errc::invalid_argument,
                fmt::format("context {}: server \"{}\" is not a URL", config.context, config.server));
  }
  if (url->scheme() != "https") {
    return fail(Errc::not_supported, fmt::format("context {}: only https:// API servers are supported (got {})",
                                                 config.context, std::string_view(url->scheme())));
  }
  e.host = url->host_address();
  if (e.host.size() > 2 && e.host.front() == '[') e.host = e.host.substr(1, e.host.size() - 2);
  e.port = url->has_port() ? std::string(url->port()) : "443";
  e.base_path = std::string(url->encoded_path());
  while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  e.endpoint = fmt::format("{}:{}", url->host(), e.port);
  if (!config.proxy_url.empty()) {
    auto p = boost::urls::parse_absolute_uri(config.proxy_url);
    if (!p || p->host().empty()) {
      return fail(Errc::invalid_argument, fmt::format("context {}: proxy-url is not a URL", config.context));
    }
    if (p->scheme() != "http") {
      return fail(Errc::not_supported,
                  fmt::format("context {}: only http:// proxies (HTTP CONNECT) are supported in proxy-url, not {}://",
                              config.context, std::string_view(p->scheme())));
    }
    e.proxy_host = p->host_address();
    e.proxy_port = p->has_port() ? std::string(p->port()) : "80";
    if (p->has_userinfo()) {
      e.proxy_auth = "Basic " + base64_encode(std::string(p->user()) + ":" + std::string(p->password()));
    }
  }
  return e;
}

Result<void> configure_tls(ssl::context& tls, const RestConfig& config) {
  boost::system::error_code ec;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (config.insecure_skip_tls_verify) {
    tls.set_verify_mode(ssl::verify_none);
  } else {
    tls.set_verify_mode(ssl::verify_peer);
    if (!config.ca_pem.empty()) {
      tls.add_certificate_authority(boost::asio::buffer(config.ca_pem), ec);
      if (ec) return fail(Errc::invalid_argument, fmt::format("context {}: invalid CA certificate", config.context));
    } else {
      tls.set_default_verify_paths(ec);
    }
  }
  if (!config.client_cert_pem.empty()) {
    tls.use_certificate_chain(boost::asio::buffer(config.client_cert_pem), ec);
    if (ec) return fail(Errc::invalid_argument, fmt::format("context {}: invalid client certificate", config.context));
    tls.use_private_key(boost::asio::buffer(config.client_key_pem), ssl::context::pem, ec);
    if (ec) return fail(Errc::invalid_argument, fmt::format("context {}: invalid client key", config.context));
  }
  return {};
}

}  // namespace mcpk::kube
