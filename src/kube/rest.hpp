/// @file
/// @brief The HTTPS transport to one API server for one identity (client-go's rest.Config →
/// transport layers): the client-side rate limit (QPS/burst), the decorator chain (who the
/// request is from), a shared connection pool (connection_pool.hpp), per-request deadlines,
/// cancellation, retries of 429/503 answers that carry Retry-After and of a 401 after the
/// credentials are refreshed, and the observer hook. Used from the io_context's single thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/cancel.hpp"
#include "core/error.hpp"
#include "kube/chain.hpp"
#include "kube/kubeconfig.hpp"

namespace mcpk::kube {

struct HttpRequest {
  std::string method = "GET";  ///< GET, POST, PUT, PATCH, DELETE
  std::string target;          ///< path and query, e.g. /api/v1/namespaces/default/pods?limit=50
  std::string body;
  std::string content_type;  ///< for bodies
  std::string accept = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
  /// A health probe: skips the rate limiter and the connection cap, so a busy server still
  /// tells whether the API server answers.
  bool probe = false;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::map<std::string, std::string, std::less<>> headers;  ///< lower-case names (a few kept)
};

struct TransportOptions {
  double qps = 20;
  int burst = 30;
  /// Connections to the API server at once (HTTP/1.1: one request each). Beyond this, calls
  /// wait for one to come free instead of opening (and TLS-handshaking) more, which under load
  /// costs both sides more CPU than the requests themselves. WebSockets are not counted.
  std::size_t max_connections = 64;
  std::size_t max_idle_connections = 64;
  /// The largest API answer read (bytes); a larger one is refused as it arrives, so a huge list
  /// never sits in memory whole. The app derives it from --max-response-bytes.
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  int max_retries = 3;  ///< for 429/503 with Retry-After
  /// Bounds TCP connect and TLS handshake of a new connection (0: only the call's deadline), so
  /// that an endpoint that never answers (a dead workload cluster) fails fast and names the stage.
  std::chrono::milliseconds connect_timeout{0};
  std::string user_agent = "mcp-kubernetes";
};

/// A WebSocket to the API server (exec, attach, port-forward), opened with the same TLS
/// context and the same identity headers as REST calls. Used from one coroutine at a time for
/// reads and one for writes.
class WebSocket {
 public:
  struct Impl;
  explicit WebSocket(std::unique_ptr<Impl> impl);
  ~WebSocket();
  /// The subprotocol the server chose (e.g. v5.channel.k8s.io).
  const std::string& protocol() const;
  /// The next message; nullopt when the server closed the stream normally.
  Task<Result<std::optional<std::string>>> read();
  /// Sends one binary message.
  Task<Result<void>> write(std::string data);
  /// Closes the connection at once (timeouts, cancellation); pending reads complete with an error.
  void abort();

 private:
  std::unique_ptr<Impl> impl_;
};

class ConnectionPool;
class RateLimiter;

/// One identity's way to one cluster: requests go through the client-side rate limiter and
/// the decorator chain (who the request is from), then onto a connection of the pool; the
/// observer hears of each request once it is over. The pool, the limiter and the observer are
/// the cluster's, shared by every identity's transport; the chain is this identity's own.
class RestTransport {
 public:
  struct Parts {
    std::shared_ptr<ConnectionPool> pool;
    std::shared_ptr<RateLimiter> limiter;
    DecoratorChain decorators;                    ///< applied in order
    std::shared_ptr<TransportObserver> observer;  ///< may be null
  };
  /// `config` is what the identity was made from (context name and namespace, for messages
  /// and defaults); the parts decide where requests go and what they carry.
  RestTransport(Parts parts, RestConfig config, TransportOptions options);
  /// A stand-alone transport: its own pool and limiter, the config's credentials and
  /// impersonation (tests, the benchmark).
  static Result<std::shared_ptr<RestTransport>> create(net::any_io_executor executor, RestConfig config,
                                                       TransportOptions options = {});
  ~RestTransport();

  /// Sends one request and reads the whole response. Network failures, deadline and
  /// cancellation are errors; any HTTP status is a response (except 429/503 + Retry-After,
  /// retried while the deadline allows, and 401, retried once after refreshing credentials).
  Task<Result<HttpResponse>> send(HttpRequest request, const CallContext& cc);

  /// Opens a WebSocket on `target` offering `protocols` (most preferred first), on a new
  /// connection, with the same chain as REST requests. A refused upgrade is the API server's
  /// error (403, 404, ...).
  Task<Result<std::unique_ptr<WebSocket>>> websocket(std::string target, std::vector<std::string> protocols,
                                                     const CallContext& cc);

  const RestConfig& config() const { return config_; }
  net::any_io_executor executor() const;
  /// "host:port" of the API server, for messages.
  const std::string& endpoint() const;
  /// Counters for tests and metrics.
  std::size_t connections_opened() const;
  std::size_t idle_connections() const;

 private:
  Task<Result<void>> throttle(const CallContext& cc, Clock::duration& waited);
  Task<Result<Headers>> decorate(RequestEvent& event, const CallContext& cc);
  RequestEvent start_event(std::string_view method, std::string_view target, const CallContext& cc);
  void observe(const RequestEvent& event, const CallContext& cc) const;

  Parts parts_;
  RestConfig config_;
  TransportOptions options_;
};

/// After a call that read large API answers (their memory freed by now), gives the freed heap
/// back to the system, so one large answer does not leave the process hundreds of MB larger.
/// Cheap when nothing large was read.
void release_memory_after_large_answers();

}  // namespace mcpk::kube
