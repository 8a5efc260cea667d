/// @file
/// @brief Authenticators behind config_credentials() (kube/chain.hpp): bearer token, token file (re-read so a rotated
/// token is picked up, as client-go does every minute) and exec credential plugins
/// (client.authentication.k8s.io v1/v1beta1, cached until expirationTimestamp, re-run on 401).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "kube/chain.hpp"
#include "kube/kubeconfig.hpp"

namespace mcpk::kube {

/// The authenticator a RestConfig calls for; nullptr when it needs none (client certificate
/// only, or anonymous). Basic auth is also handled here.
std::unique_ptr<Authenticator> make_authenticator(net::any_io_executor executor, const RestConfig& config);

}  // namespace mcpk::kube
