/// @file
/// @brief The stdio transport (MCP "stdio"): newline-delimited JSON-RPC on stdin/stdout.
///
/// stdout carries only MCP messages, one per line; logs go to stderr. Requests are handled
/// concurrently (a slow tool call does not block ping or cancellation). At end of input the
/// transport lets calls in flight finish for a short grace period, then cancels them and
/// returns; stop() (SIGTERM) cancels at once. A line longer than the limit is discarded and
/// answered with a JSON-RPC error; nothing the client sends can crash the server.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "core/async.hpp"
#include "mcp/server.hpp"

namespace mcpk::transport {

struct StdioOptions {
  std::size_t max_message_bytes = 5 * 1024 * 1024;
  std::chrono::milliseconds eof_grace{2000};  ///< calls in flight at EOF may finish within this
};

class StdioTransport {
 public:
  StdioTransport(net::io_context& io, mcp::Server& server, StdioOptions options, int in_fd = 0, int out_fd = 1);
  ~StdioTransport();
  StdioTransport(const StdioTransport&) = delete;
  StdioTransport& operator=(const StdioTransport&) = delete;

  /// Serves until end of input (plus grace) or stop(); all output is written when it returns.
  Task<void> run();
  /// Cancels calls in flight and makes run() return.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpk::transport
