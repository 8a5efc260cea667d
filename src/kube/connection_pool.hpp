/// @file
/// @brief Connections to one API server with one TLS identity (client-go's transport cache):
/// the TLS context, keep-alive connections reused across requests, a cap on connections open
/// at once with a fair queue, and the HTTP CONNECT proxy. Every client of a cluster that
/// presents the same TLS identity shares one pool, whoever the request is from: what a request
/// carries besides (bearer, impersonation) is the transport's decorator chain, not the pool's.
///
/// Used from the io_context's single thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/cancel.hpp"
#include "core/error.hpp"
#include "kube/chain.hpp"
#include "kube/kubeconfig.hpp"
#include "kube/rest.hpp"

namespace mcpk::kube {

class ConnectionPool {
 public:
  /// Validates the config (URL, PEM data) and builds the TLS context. No I/O.
  static Result<std::shared_ptr<ConnectionPool>> create(net::any_io_executor executor, const RestConfig& config,
                                                        const TransportOptions& options);
  /// What makes two configs share a pool: the server, the proxy, the trust (CA, server name,
  /// verification) and the client certificate. Credentials sent as headers do not count. A
  /// SHA-256 digest of them: no key material is kept in it.
  static std::string key(const RestConfig& config);
  ~ConnectionPool();

  /// Sends `request` with `headers` on a pooled connection and reads the whole answer; a
  /// reused connection that the server closed while idle is replaced once (GET only).
  /// `attempts` is incremented for each connection tried.
  Task<Result<HttpResponse>> exchange(const HttpRequest& request, const Headers& headers, Clock::time_point deadline,
                                      CancelTokenPtr cancel, int& attempts);
  /// Opens a new connection (never pooled nor counted) and upgrades it to a WebSocket on
  /// `target`, offering `protocols`. A refused upgrade is the API server's error.
  Task<Result<std::unique_ptr<WebSocket>>> upgrade(std::string target, std::vector<std::string> protocols,
                                                   Headers headers, Clock::time_point deadline, CancelTokenPtr cancel,
                                                   std::string context);

  net::any_io_executor executor() const;
  /// "host:port" of the API server, for messages.
  const std::string& endpoint() const;
  std::size_t connections_opened() const;
  std::size_t idle_connections() const;

  struct Impl;

 private:
  explicit ConnectionPool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// An error for a request stopped by its cancel token, naming the stage it was in ("stopped
/// (timeout) while <stage>"), so that a timeout says where the time went.
Error stopped(const CancelTokenPtr& cancel, std::string_view stage);

}  // namespace mcpk::kube
