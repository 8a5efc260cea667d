/// @file
/// @brief The in-process token store (one replica): a map with a steady-clock expiry per key.
///
/// Expired entries are dropped when met, and purged in bulk on a write every kPurgeEvery
/// writes or when the map has doubled since the last purge, so memory stays bounded by the live
/// keys. Every operation completes at once.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>

#include "auth/store.hpp"

namespace mcpk::auth {

class MemoryStore final : public Store {
 public:
  using Clock = std::chrono::steady_clock;
  /// The time source: steady_clock::now unless a test injects its own.
  using Now = std::function<Clock::time_point()>;

  MemoryStore();
  explicit MemoryStore(Now now);

  Task<Result<std::optional<std::string>>> get(std::string key) override;
  Task<Result<void>> put(std::string key, std::string value, Seconds ttl) override;
  Task<Result<bool>> put_if_absent(std::string key, std::string value, Seconds ttl) override;
  Task<Result<std::optional<std::string>>> take(std::string key) override;
  Task<Result<bool>> remove(std::string key) override;
  Task<Result<bool>> remove_if(std::string key, std::string value) override;
  Task<Result<std::int64_t>> increment(std::string key, Seconds window) override;
  std::string_view kind() const override { return "memory"; }

  /// Entries held, including expired ones not purged yet (tests).
  std::size_t size() const { return entries_.size(); }

  /// A bulk purge runs on the write after this many writes at the latest.
  static constexpr std::size_t kPurgeEvery = 1024;

 private:
  struct Entry {
    std::string value;
    Clock::time_point expires;  // time_point::max(): never
  };
  using Map = std::unordered_map<std::string, Entry>;

  // The live entry of `key`, erasing it when it has expired.
  Entry* live(const std::string& key, Clock::time_point now);
  Clock::time_point expiry(Clock::time_point now, Seconds ttl) const;
  // Called on every write: purges expired entries when due.
  void wrote(Clock::time_point now);

  Now now_;
  Map entries_;
  std::size_t writes_ = 0;
  std::size_t purge_at_size_ = 64;
};

}  // namespace mcpk::auth
