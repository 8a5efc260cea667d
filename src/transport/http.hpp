/// @file
/// @brief The streamable HTTP transport (MCP "Streamable HTTP"), both protocol eras on one
/// endpoint: session era (initialize issues Mcp-Session-Id; POST answered with JSON or an SSE
/// body; DELETE ends a session; 202 for notifications and responses; 404 for unknown sessions)
/// and the stateless 2026-07-28 revision (no sessions; Mcp-Method / Mcp-Name checked against
/// the body). A tools/call answers with JSON when it is quick, else with an SSE stream that
/// carries its progress and log messages and can be resumed (GET + Last-Event-ID); GET with a
/// session opens the server-to-client stream. Origin and Host validation (DNS rebinding), body
/// size limit (413), TLS, /healthz and /readyz.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"
#include "mcp/server.hpp"

namespace mcpk::transport {

struct HttpOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8080;
  std::string endpoint = "/mcp";
  std::size_t max_body_bytes = 5 * 1024 * 1024;
  bool disable_streaming = false;
  std::vector<std::string> allowed_origins;  ///< besides localhost; "*" allows any
  std::size_t max_sessions = 10000;
  std::chrono::milliseconds session_idle_timeout{30 * 60 * 1000};
  std::chrono::milliseconds shutdown_timeout{10'000};  ///< calls in flight may finish within this
  std::string tls_cert_file, tls_key_file;             ///< both set: serve HTTPS
  /// What /readyz checks besides shutdown (the app: the default cluster answers). Its result is
  /// kept for readiness_ttl; concurrent probes share one check. Unset: always ready.
  std::function<Task<Result<void>>()> readiness;
  std::chrono::milliseconds readiness_ttl{5'000};
};

/// Parses "[host]:port" (":8080" = all interfaces).
Result<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view addr);

class HttpTransport {
 public:
  HttpTransport(net::io_context& io, mcp::Server& server, HttpOptions options);
  ~HttpTransport();
  /// Binds the listener (errors: address in use, bad address).
  Result<void> listen();
  /// The bound port (after listen()).
  std::uint16_t port() const;
  /// Serving HTTPS (after listen()).
  bool tls() const;
  /// Serves until stop().
  Task<void> run();
  /// Graceful shutdown: stops accepting at once, lets calls in flight finish within
  /// shutdown_timeout, then cancels what is left and closes every connection and session.
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpk::transport
