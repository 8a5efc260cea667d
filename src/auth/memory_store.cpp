#include "auth/memory_store.hpp"

#include <fmt/format.h>
#include <charconv>
#include <limits>
#include <utility>

namespace mcpk::auth {

namespace {

Result<void> check_ttl(Seconds ttl) {
  if (ttl.count() < 0) return fail(Errc::invalid_argument, fmt::format("a negative TTL ({} s)", ttl.count()));
  return {};
}

}  // namespace

MemoryStore::MemoryStore() : MemoryStore(Now(&Clock::now)) {}

MemoryStore::MemoryStore(Now now) : now_(std::move(now)) {}

MemoryStore::Entry* MemoryStore::live(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return nullptr;
  }
  return &it->second;
}

MemoryStore::Clock::time_point MemoryStore::expiry(Clock::time_point now, Seconds ttl) const {
  if (ttl.count() == 0) return Clock::time_point::max();
  if (ttl >= std::chrono::duration_cast<Seconds>(Clock::time_point::max() - now)) return Clock::time_point::max();
  return now + ttl;
}

void MemoryStore::wrote(Clock::time_point now) {
  ++writes_;
  if (writes_ < kPurgeEvery && entries_.size() < purge_at_size_) return;
  std::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
  writes_ = 0;
  purge_at_size_ = std::max<std::size_t>(64, 2 * entries_.size());
}

Task<Result<std::optional<std::string>>> MemoryStore::get(std::string key) {
  const Entry* e = live(key, now_());
  if (!e) co_return std::nullopt;
  co_return e->value;
}

Task<Result<void>> MemoryStore::put(std::string key, std::string value, Seconds ttl) {
  if (auto ok = check_ttl(ttl); !ok) co_return ok;
  const auto now = now_();
  wrote(now);
  entries_.insert_or_assign(std::move(key), Entry{std::move(value), expiry(now, ttl)});
  co_return Result<void>{};
}

Task<Result<bool>> MemoryStore::put_if_absent(std::string key, std::string value, Seconds ttl) {
  if (auto ok = check_ttl(ttl); !ok) co_return std::unexpected(ok.error());
  const auto now = now_();
  if (live(key, now)) co_return false;
  wrote(now);
  entries_.emplace(std::move(key), Entry{std::move(value), expiry(now, ttl)});
  co_return true;
}

Task<Result<std::optional<std::string>>> MemoryStore::take(std::string key) {
  const auto now = now_();
  Entry* e = live(key, now);
  if (!e) co_return std::nullopt;
  std::optional<std::string> value = std::move(e->value);
  entries_.erase(key);
  wrote(now);
  co_return value;
}

Task<Result<bool>> MemoryStore::remove(std::string key) {
  const auto now = now_();
  if (!live(key, now)) co_return false;
  entries_.erase(key);
  wrote(now);
  co_return true;
}

Task<Result<bool>> MemoryStore::remove_if(std::string key, std::string value) {
  const auto now = now_();
  const Entry* e = live(key, now);
  if (!e || e->value != value) co_return false;
  entries_.erase(key);
  wrote(now);
  co_return true;
}

Task<Result<std::int64_t>> MemoryStore::increment(std::string key, Seconds window) {
  if (auto ok = check_ttl(window); !ok) co_return std::unexpected(ok.error());
  const auto now = now_();
  Entry* e = live(key, now);
  if (!e) {
    wrote(now);
    entries_.insert_or_assign(std::move(key), Entry{"1", expiry(now, window)});
    co_return 1;
  }
  // As Redis INCR: the counter keeps its expiry; a value that is not a 64-bit integer is a bug.
  std::int64_t n = 0;
  const char* end = e->value.data() + e->value.size();
  auto [p, ec] = std::from_chars(e->value.data(), end, n);
  if (ec != std::errc() || p != end) co_return fail(Errc::internal, "the counter's value is not an integer");
  if (n == std::numeric_limits<std::int64_t>::max()) co_return fail(Errc::internal, "the counter would overflow");
  e->value = std::to_string(++n);
  wrote(now);
  co_return n;
}

}  // namespace mcpk::auth
