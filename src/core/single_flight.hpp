/// @file
/// @brief Single flight: concurrent callers that need the same expensive result (discovery,
/// a run of an exec credential plugin) share one run instead of each starting their own.
///
///     if (flight.busy()) { if (auto r = co_await flight.join()) return *r; /* else retry */ }
///     auto lead = flight.lead(executor);
///     auto r = co_await work();
///     return lead.finish(std::move(r));
///
/// Single-threaded: one io_context, no locks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "core/async.hpp"
#include "core/cancel.hpp"

namespace mcpk {

template <class T>
class SingleFlight {
  struct Flight {
    explicit Flight(const net::any_io_executor& ex) : done(ex, net::steady_timer::time_point::max()) {}
    net::steady_timer done;  // cancel() wakes the joiners (it never expires on its own)
    std::optional<T> result;
    bool over = false;
  };

 public:
  /// The leader's side of a run: finish() publishes the result to the joiners. A leader that
  /// ends without finishing (an exception, a destroyed coroutine) lets the joiners retry.
  class Lead {
   public:
    Lead(SingleFlight* owner, std::shared_ptr<Flight> f) : owner_(owner), flight_(std::move(f)) {}
    Lead(const Lead&) = delete;
    Lead& operator=(const Lead&) = delete;
    ~Lead() { end(); }
    T finish(T value) {
      flight_->result = value;
      end();
      return value;
    }

   private:
    void end() {
      if (!flight_ || flight_->over) return;
      flight_->over = true;
      if (owner_->flight_ == flight_) owner_->flight_.reset();
      flight_->done.cancel();
    }
    SingleFlight* owner_;
    std::shared_ptr<Flight> flight_;
  };

  bool busy() const { return flight_ != nullptr; }

  /// Starts a run; the caller does the work and calls finish(). Precondition: !busy().
  Lead lead(const net::any_io_executor& ex) {
    flight_ = std::make_shared<Flight>(ex);
    return Lead(this, flight_);
  }

  /// Waits for the run in flight: its result, or nullopt when its leader gave up (retry) or
  /// `cancel` (this joiner's own) fired — the caller checks that before retrying.
  Task<std::optional<T>> join(const CancelTokenPtr& cancel = nullptr) {
    auto f = flight_;
    // A cancellation wakes every joiner of this run; the others just wait again.
    auto reg = CancelToken::on_cancel(cancel, [f] {
      if (f) f->done.cancel();
    });
    while (f && !f->over) {
      if (cancel && cancel->cancelled()) co_return std::nullopt;
      co_await f->done.async_wait(use_tuple);
    }
    co_return f ? f->result : std::nullopt;
  }

 private:
  std::shared_ptr<Flight> flight_;
};

}  // namespace mcpk
