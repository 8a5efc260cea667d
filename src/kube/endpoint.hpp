/// @file
/// @brief Where and how a REST transport connects, from a RestConfig: the API server's
/// address (and the HTTP CONNECT proxy's, if any), and the TLS context (trust, client
/// certificate). Validation only; no I/O.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <string>

#include "core/error.hpp"
#include "kube/kubeconfig.hpp"

namespace mcpk::kube {

struct Endpoint {
  std::string host, port, base_path;               ///< host without brackets; base path without a trailing '/'
  std::string endpoint;                            ///< "host:port", for messages and the Host header
  std::string proxy_host, proxy_port, proxy_auth;  ///< proxy-url (http:// only), if any
};

/// The server URL must be https://; proxy-url, when set, http://. Errors name the context.
Result<Endpoint> parse_endpoint(const RestConfig& config);

/// TLS 1.2+, the CA (or the system's trust, or none with insecure-skip-tls-verify), and the
/// client certificate and key. Errors name the context and never hold PEM data.
Result<void> configure_tls(boost::asio::ssl::context& tls, const RestConfig& config);

}  // namespace mcpk::kube
