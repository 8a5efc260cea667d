/// @file
/// @brief One server-sent-events stream of the streamable HTTP transport: the JSON-RPC
/// messages a call produces (progress, log messages, then its response), kept so a client that
/// lost the connection can resume with `Last-Event-ID`. Event ids are "<stream>-<index>", unique
/// per session, so a resumption replays only its own stream. Writers wait on `changed`.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"

namespace mcpk::transport {

class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(const boost::asio::any_io_executor& ex, std::uint64_t id, bool resumable);

  std::uint64_t id() const { return id_; }
  bool resumable() const { return resumable_; }
  /// Appends a message (its JSON text) and wakes the writers.
  void push(std::string message);
  /// No more messages will come; wakes the writers.
  void finish();
  bool done() const { return done_; }
  /// When finish() was called (meaningful once done()).
  std::chrono::steady_clock::time_point finished_at() const { return finished_at_; }
  const std::vector<std::string>& messages() const { return messages_; }

  /// The bytes of message `index` (0-based) as an SSE event; with its id when resumable.
  std::string event(std::size_t index) const;
  /// The opening event: an id and empty data, so a client can resume even before the first
  /// message, and how long to wait before reconnecting.
  std::string priming_event(std::chrono::milliseconds retry) const;

  /// Waits until a message comes or the stream finishes, or until `until` (max: no limit).
  /// True when `until` passed first. Every waiter wakes on a change; waiters loop.
  Task<bool> wait_until(std::chrono::steady_clock::time_point until);

  /// Wakes every writer waiting on it (cancel() of a timer that never expires on its own).
  boost::asio::steady_timer changed;
  /// Connections currently writing this stream.
  int writers = 0;
  /// Set by the call that fills it: it ended with a response, and that response's JSON-RPC
  /// error code (0 for a result).
  bool answered = false;
  int error_code = 0;

 private:
  std::uint64_t id_;
  bool resumable_;
  bool done_ = false;
  std::chrono::steady_clock::time_point finished_at_{};
  std::vector<std::string> messages_;
};

/// The position after a `Last-Event-ID`: {stream id, messages already seen}. nullopt when the
/// value is not one of ours.
std::optional<std::pair<std::uint64_t, std::size_t>> parse_event_id(std::string_view id);

}  // namespace mcpk::transport
