/// @file
/// @brief Cooperative cancellation of one unit of work (a tool call and everything it waits on).
///
/// Whoever owns the work calls cancel() (client cancellation, deadline, shutdown); code that
/// waits on I/O registers a callback that aborts the wait (closes a socket, cancels a timer)
/// for as long as it waits. Single-threaded by design: all use happens on the io_context's
/// thread, like everything else in the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace mcpk {

class CancelToken {
 public:
  /// Removes its callback from the token when destroyed (RAII, movable).
  class Registration {
   public:
    Registration() = default;
    Registration(std::weak_ptr<CancelToken> token, std::uint64_t id) : token_(std::move(token)), id_(id) {}
    Registration(Registration&& other) noexcept : token_(std::move(other.token_)), id_(other.id_) { other.id_ = 0; }
    Registration& operator=(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() { reset(); }
    void reset();

   private:
    std::weak_ptr<CancelToken> token_;
    std::uint64_t id_ = 0;
  };

  static std::shared_ptr<CancelToken> make() { return std::make_shared<CancelToken>(); }

  bool cancelled() const noexcept { return cancelled_; }
  /// Why it was cancelled ("timeout", "cancelled by client", "shutdown"); empty while not.
  const std::string& reason() const noexcept { return reason_; }

  /// Runs every registered callback once; later registrations run immediately.
  void cancel(std::string reason);

  /// Registers `fn` to run on cancel (at once if already cancelled). Keep the Registration
  /// alive for as long as the wait lasts.
  static Registration on_cancel(const std::shared_ptr<CancelToken>& token, std::function<void()> fn);

 private:
  void remove(std::uint64_t id) { callbacks_.erase(id); }

  bool cancelled_ = false;
  std::string reason_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::function<void()>> callbacks_;
};

using CancelTokenPtr = std::shared_ptr<CancelToken>;

}  // namespace mcpk
