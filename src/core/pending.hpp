/// @file
/// @brief A result that arrives later: `Pending<T>::start` runs a task on the executor at once
/// and `wait()` gives its result, however often and whenever it is asked (before or after the
/// task finished). Lets a call run two independent requests side by side:
///
///     auto check = Pending<Result<void>>::start(ex, verify(...));   // starts now
///     auto answer = co_await do_the_work();                         // meanwhile
///     if (auto ok = co_await check->wait(); !ok) ...                // both done
///
/// The task reports failure in its value (a Result), never by throwing.
/// Single-threaded: one io_context, no locks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "core/async.hpp"

namespace mcpk {

template <class T>
class Pending : public std::enable_shared_from_this<Pending<T>> {
 public:
  explicit Pending(const net::any_io_executor& ex) : done_(ex, net::steady_timer::time_point::max()) {}

  static std::shared_ptr<Pending> start(const net::any_io_executor& ex, Task<T> task) {
    auto p = std::make_shared<Pending>(ex);
    net::co_spawn(ex, run(p, std::move(task)), net::detached);
    return p;
  }

  bool ready() const { return result_.has_value(); }

  /// The task's result (a copy: several may wait).
  Task<T> wait() {
    auto self = this->shared_from_this();  // keeps the state while this waiter sleeps
    while (!result_) co_await done_.async_wait(use_tuple);
    co_return *result_;
  }

 private:
  static Task<void> run(std::shared_ptr<Pending> p, Task<T> task) {
    p->result_.emplace(co_await std::move(task));
    p->done_.cancel();
  }

  net::steady_timer done_;  // cancel() wakes the waiters (it never expires on its own)
  std::optional<T> result_;
};

}  // namespace mcpk
