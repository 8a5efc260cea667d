/// @file
/// @brief The OAuth token store: a small key/value vocabulary that both the in-process store
/// (one replica) and Redis/Valkey (replicas sharing clients, codes, tokens and rate-limit
/// state) implement with the same meaning, atomically.
///
/// Keys are built by the caller from *hashes* of tokens, never tokens; values are JSON texts
/// whose secrets (upstream tokens) are already sealed (crypto.hpp). A TTL of zero means "no
/// expiry". Every operation may fail (the store is unreachable): callers refuse the request
/// rather than guess.
///
/// Threading: used from the server's io_context thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/async.hpp"
#include "core/error.hpp"

namespace mcpk::auth {

using Seconds = std::chrono::seconds;

class Store {
 public:
  virtual ~Store() = default;

  virtual Task<Result<std::optional<std::string>>> get(std::string key) = 0;
  /// Sets `key` (replacing any value) for `ttl`.
  virtual Task<Result<void>> put(std::string key, std::string value, Seconds ttl) = 0;
  /// Sets `key` only when absent: true when this call set it (locks, one-time markers).
  virtual Task<Result<bool>> put_if_absent(std::string key, std::string value, Seconds ttl) = 0;
  /// Reads and deletes in one step: of several concurrent callers at most one gets the value
  /// (single-use authorization codes and refresh tokens).
  virtual Task<Result<std::optional<std::string>>> take(std::string key) = 0;
  /// Deletes `key`: true when it existed.
  virtual Task<Result<bool>> remove(std::string key) = 0;
  /// Deletes `key` only while it holds `value` (releasing a lock this caller holds).
  virtual Task<Result<bool>> remove_if(std::string key, std::string value) = 0;
  /// Adds one to the counter `key`, which expires `window` after it was created (fixed-window
  /// rate limits): the new count.
  virtual Task<Result<std::int64_t>> increment(std::string key, Seconds window) = 0;

  /// "memory" or "valkey", for the start-up line.
  virtual std::string_view kind() const = 0;
};

using StorePtr = std::shared_ptr<Store>;

}  // namespace mcpk::auth
