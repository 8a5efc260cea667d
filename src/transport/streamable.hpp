/// @file
/// @brief The MCP "Streamable HTTP" endpoint, both protocol eras on one route: session era
/// (initialize issues Mcp-Session-Id; POST answered with JSON or an SSE body; DELETE ends a
/// session; 202 for notifications and responses; 404 for unknown sessions) and the stateless
/// 2026-07-28 revision (no sessions; Mcp-Method / Mcp-Name checked against the body). A
/// tools/call answers with JSON when it is quick, else with an SSE stream that carries its
/// progress and log messages and can be resumed (GET + Last-Event-ID); GET with a session opens
/// the server-to-client stream.
///
/// Everything is owned by the caller the request scope names: a session answers only the
/// caller that opened it (another caller gets 404), and in the stateless era each caller has
/// its own state (its port-forwards), never shared with another.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "mcp/server.hpp"
#include "transport/http_server.hpp"
#include "transport/router.hpp"

namespace mcpk::transport {

struct StreamableOptions {
  bool disable_streaming = false;
  /// Open sessions at once (both eras). One client (an authenticated caller, else an address)
  /// holds at most an eighth of them (at least 4): at its share, its least recently used idle
  /// session ends to make room, so no client can fill the server.
  std::size_t max_sessions = 10000;
  std::chrono::milliseconds session_idle_timeout{30 * 60 * 1000};
};

class StreamableEndpoint : public Drainable {
 public:
  StreamableEndpoint(net::io_context& io, mcp::Server& server, StreamableOptions options);
  ~StreamableEndpoint() override;

  /// The route's handler (the endpoint must outlive the router's use of it).
  Handler handler();
  /// Starts expiring idle sessions.
  void start();

  void begin_shutdown() override;
  std::size_t busy() const override;
  void cancel_all(std::string_view why) override;
  void close() override;

  /// Open sessions (session era) and callers with stateless state.
  std::size_t sessions() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpk::transport
