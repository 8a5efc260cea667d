/// @file
/// @brief Port forwarding to a pod over the WebSocket port-forward protocol
/// (v4.channel.k8s.io): one WebSocket per accepted local connection; channel 0 carries data,
/// channel 1 errors, each starting with the port number (2 bytes, little-endian).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "kube/client.hpp"

namespace mcpk::kube {

struct ForwardedPort {
  std::uint16_t local = 0;   ///< the port actually bound
  std::uint16_t remote = 0;  ///< the pod's port
};

/// Local listeners tunnelling to one pod; closing (or destroying) it stops accepting and
/// closes every open tunnel.
class PortForward {
 public:
  struct Impl;
  /// Binds `address`:local for every (local, remote) pair (local 0 = any free port) and starts
  /// accepting. Errors: address in use, bad address.
  /// Each tunnel is opened in `scope` (the caller who started the forward: its identity).
  static Result<std::shared_ptr<PortForward>> start(std::shared_ptr<Client> client, RequestScope scope, std::string ns,
                                                    std::string pod, const std::string& address,
                                                    const std::vector<ForwardedPort>& ports);
  ~PortForward();
  const std::vector<ForwardedPort>& ports() const;
  std::uint64_t bytes_in() const;   ///< from the pod
  std::uint64_t bytes_out() const;  ///< to the pod
  std::uint64_t connections() const;
  /// The last tunnel error (e.g. the pod refused the port), "" if none.
  const std::string& last_error() const;
  void close();
  /// Port-forwards open in this process now (metrics).
  static std::size_t open_count();

 private:
  explicit PortForward(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpk::kube
