/// @file
/// @brief The HTTP server: listener and TLS, connections (capped, with a short header-read
/// timeout and strict HTTP/1.1 framing), the Router's replies written as whole responses or SSE
/// streams, and graceful shutdown of whatever it serves (Drainable services: the MCP endpoint's
/// calls and streams, the health probes).
///
/// It knows nothing of MCP: what is served is the Router that `app` fills.
/// Threading: one io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/async.hpp"
#include "core/error.hpp"
#include "transport/router.hpp"

namespace mcpk::transport {

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8080;
  std::size_t max_body_bytes = 5 * 1024 * 1024;
  std::string tls_cert_file{}, tls_key_file{};  ///< both set: serve HTTPS
  /// Connections open at once; beyond it the server stops accepting until one closes (the
  /// kernel's backlog holds the rest). 0: three quarters of the descriptor limit.
  std::size_t max_connections = 0;
  /// A request's headers must arrive within this; its body within body_timeout after them.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{60'000};
  /// An idle keep-alive connection is closed after this.
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds shutdown_timeout{10'000};  ///< calls in flight may finish within this
};

/// Parses "[host]:port" (":8080" = all interfaces).
Result<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view addr);

/// Something served that shutdown must wind down: first told that shutdown began (end
/// server-to-client streams, refuse new work), then polled until not busy (or the bound
/// passes), then told to cancel what is left, and last to close.
class Drainable {
 public:
  virtual ~Drainable() = default;
  virtual void begin_shutdown() = 0;
  /// Calls in flight.
  virtual std::size_t busy() const = 0;
  virtual void cancel_all(std::string_view why) = 0;
  virtual void close() = 0;
};

class HttpServer {
 public:
  /// `router` must outlive the server.
  HttpServer(net::io_context& io, const Router& router, HttpServerOptions options);
  ~HttpServer();
  /// Binds the listener (errors: address in use, bad address, bad TLS files).
  Result<void> listen();
  /// The bound port (after listen()).
  std::uint16_t port() const;
  /// Serving HTTPS (after listen()).
  bool tls() const;
  /// Wound down by stop().
  void drain_on_stop(std::shared_ptr<Drainable> service);
  /// Serves until stop().
  Task<void> run();
  /// Graceful shutdown: stops accepting at once, lets calls in flight finish within
  /// shutdown_timeout, then cancels what is left and closes every connection.
  void stop();
  bool stopping() const;
  /// Connections open now (for tests and metrics).
  std::size_t connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpk::transport
