#include "transport/sse.hpp"

#include <fmt/format.h>
#include <charconv>

namespace mcpk::transport {

SseStream::SseStream(const boost::asio::any_io_executor& ex, std::uint64_t id, bool resumable)
    : changed(ex, boost::asio::steady_timer::time_point::max()), id_(id), resumable_(resumable) {}

void SseStream::push(std::string message) {
  messages_.push_back(std::move(message));
  changed.cancel();
}

void SseStream::finish() {
  if (!done_) finished_at_ = std::chrono::steady_clock::now();
  done_ = true;
  changed.cancel();
}

Task<bool> SseStream::wait_until(std::chrono::steady_clock::time_point until) {
  if (until == std::chrono::steady_clock::time_point::max()) {
    co_await changed.async_wait(use_tuple);
    co_return false;
  }
  if (std::chrono::steady_clock::now() >= until) co_return true;
  // The limit's handler may run after this wait has ended: it holds only weak/shared state.
  boost::asio::steady_timer limit(changed.get_executor(), until);
  auto passed = std::make_shared<bool>(false);
  limit.async_wait([passed, weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    *passed = true;
    if (auto s = weak.lock()) s->changed.cancel();
  });
  co_await changed.async_wait(use_tuple);
  limit.cancel();
  co_return *passed;
}

std::string SseStream::event(std::size_t index) const {
  if (!resumable_) return fmt::format("event: message\ndata: {}\n\n", messages_[index]);
  return fmt::format("id: {}-{}\nevent: message\ndata: {}\n\n", id_, index + 1, messages_[index]);
}

std::string SseStream::priming_event(std::chrono::milliseconds retry) const {
  return fmt::format("id: {}-0\nretry: {}\ndata: \n\n", id_, retry.count());
}

std::optional<std::pair<std::uint64_t, std::size_t>> parse_event_id(std::string_view id) {
  const auto dash = id.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::uint64_t stream = 0;
  std::size_t seen = 0;
  const auto a = id.substr(0, dash), b = id.substr(dash + 1);
  auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), stream);
  auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), seen);
  if (ea != std::errc{} || eb != std::errc{} || pa != a.data() + a.size() || pb != b.data() + b.size() || a.empty() ||
      b.empty())
    return std::nullopt;
  return std::pair{stream, seen};
}

}  // namespace mcpk::transport
