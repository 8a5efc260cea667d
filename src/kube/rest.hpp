/// @file
/// @brief The HTTPS transport to one API server (client-go's rest + transport layers in one):
/// TLS from the RestConfig, pooled keep-alive connections, authentication headers, client-side
/// rate limiting (QPS/burst token bucket), per-request deadlines, cancellation, and retries of
/// 429/503 answers that carry Retry-After.
///
/// One RestTransport per RestConfig (per context/user): its pool never mixes identities.
/// Used from the io_context's single thread.
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
#include "kube/kubeconfig.hpp"

namespace mcpk::kube {

using Clock = std::chrono::steady_clock;

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
  std::string user_agent = "mcp-kubernetes";
};

/// The credential a request carries; filled by the authenticator (token, token file, exec
/// plugin). Basic auth and client certificates are handled by the transport itself.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  /// The Authorization header value ("" for none).
  virtual Task<Result<std::string>> authorization(const CancelTokenPtr& cancel) = 0;
  /// Called after a 401: drop cached credentials; true when a retry may succeed.
  virtual bool invalidate() = 0;
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

class RestTransport {
 public:
  /// Validates the config (URL, PEM data) and builds the TLS context. No I/O.
  static Result<std::shared_ptr<RestTransport>> create(net::any_io_executor executor, RestConfig config,
                                                       TransportOptions options = {});
  ~RestTransport();

  /// Sends one request and reads the whole response. Network failures, deadline and
  /// cancellation are errors; any HTTP status is a response (except 429/503 + Retry-After,
  /// retried while the deadline allows, and 401, retried once after refreshing credentials).
  Task<Result<HttpResponse>> send(HttpRequest request, Clock::time_point deadline, CancelTokenPtr cancel);

  /// Opens a WebSocket on `target` offering `protocols` (most preferred first), on a new
  /// connection. A refused upgrade is the API server's error (403, 404, ...).
  Task<Result<std::unique_ptr<WebSocket>>> websocket(std::string target, std::vector<std::string> protocols,
                                                     Clock::time_point deadline, CancelTokenPtr cancel);

  const RestConfig& config() const;
  net::any_io_executor executor() const;
  /// "host:port" of the API server, for messages.
  const std::string& endpoint() const;
  /// Counters for tests and metrics.
  std::size_t connections_opened() const;
  std::size_t idle_connections() const;

  struct Impl;

 private:
  explicit RestTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// After a call that read large API answers (their memory freed by now), gives the freed heap
/// back to the system, so one large answer does not leave the process hundreds of MB larger.
/// Cheap when nothing large was read.
void release_memory_after_large_answers();

}  // namespace mcpk::kube
