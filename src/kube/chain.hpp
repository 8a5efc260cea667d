/// @file
/// @brief The per-request chain of a kube transport (client-go's round-tripper wrappers): the
/// decorators that say who a request is from — the operator's credentials or the caller's own
/// bearer, impersonation, user agent — and the observer that metrics and tracing hook into.
/// REST requests and WebSocket upgrades run the same chain.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"
#include "kube/call.hpp"
#include "kube/kubeconfig.hpp"

namespace mcpk::kube {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One step of the chain: adds headers to a request about to be sent.
class RequestDecorator {
 public:
  virtual ~RequestDecorator() = default;
  virtual Task<Result<void>> decorate(Headers& headers, const CallContext& cc) = 0;
  /// Called after a 401: drop cached credentials; true when a retry may succeed.
  virtual bool invalidate() { return false; }
};
using DecoratorChain = std::vector<std::shared_ptr<RequestDecorator>>;

/// The credential a request carries from the operator's configuration (token, token file,
/// exec plugin): the Authorization header value, "" for none.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual Task<Result<std::string>> authorization(const CancelTokenPtr& cancel) = 0;
  /// Called after a 401: drop cached credentials; true when a retry may succeed.
  virtual bool invalidate() = 0;
};

/// The configuration's own credentials (token, token file, exec plugin, basic auth); null when
/// it has none (a client certificate is part of the connection, not of the request).
std::shared_ptr<RequestDecorator> config_credentials(const net::any_io_executor& executor, const RestConfig& config);
/// The configuration's identity: its credentials, then its impersonation (as/as-group), if any.
DecoratorChain config_identity(const net::any_io_executor& executor, const RestConfig& config);
/// The caller's own bearer token (RequestScope's caller credential): downstream OAuth, SSO
/// passthrough. A caller without one is refused, never sent with the server's identity.
std::shared_ptr<RequestDecorator> caller_bearer();

/// Who the API server should treat the request as coming from (it checks that the sender may
/// impersonate): Impersonate-User, one Impersonate-Group each, Impersonate-Extra-<key>.
struct Impersonation {
  std::string user;
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::string>> extra;
};
std::shared_ptr<RequestDecorator> impersonate(Impersonation who);
std::shared_ptr<RequestDecorator> user_agent(std::string agent);

/// What a transport reports after each request, once its retries are over.
struct RequestEvent {
  std::string_view method;  ///< GET, POST, ..., or "CONNECT" for a WebSocket upgrade
  std::string_view target;  ///< path and query as sent (never a credential)
  std::string_view endpoint;
  int status = 0;               ///< the final HTTP status, 0 when none came
  std::optional<Errc> error;    ///< a failure before any status (network, deadline, refusal)
  int attempts = 1;             ///< 1 + retries (429/503, 401 re-authentication, stale connection)
  Clock::duration throttled{};  ///< time spent waiting for the client-side rate limiter
  Clock::duration duration{};   ///< the whole request, waits and retries included
  std::string_view context;     ///< the kubeconfig context (or cluster) the transport serves
  bool impersonated = false;    ///< the request carried Impersonate-* headers
  /// Headers an observer asked every attempt to carry (on_start): the trace context.
  Headers propagate;
};

/// Metrics and tracing hook in here (one per cluster); called on the io thread, must not block.
class TransportObserver {
 public:
  virtual ~TransportObserver() = default;
  /// Before the first attempt: may add headers to `event.propagate` (traceparent).
  virtual void on_start(RequestEvent& event, const CallContext& cc) {
    (void)event;
    (void)cc;
  }
  virtual void on_request(const RequestEvent& event, const CallContext& cc) = 0;
};

/// Several observers as one (metrics and tracing), called in order.
std::shared_ptr<TransportObserver> observe_all(std::vector<std::shared_ptr<TransportObserver>> observers);

}  // namespace mcpk::kube
