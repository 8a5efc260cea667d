/// @file
/// @brief The shared token store: Redis or Valkey over RESP2, on the server's io_context.
///
/// One connection, opened on the first command and again on the first command after it was
/// lost; commands are pipelined on it and their replies matched in order. A lost connection
/// or a malformed reply fails every command waiting on it with Errc::unavailable; a command
/// whose reply does not come within `timeout` (connecting included) fails with Errc::timeout
/// and drops the connection, since the order of the replies on it can no longer be trusted.
/// Only one connection attempt is ever in flight: commands that arrive meanwhile wait for it
/// and share its failure. Errors name the endpoint (host:port), never the password.
///
/// Commands: GET, SET [NX] [EX], GETDEL (Redis >= 6.2, Valkey), DEL, and EVAL for remove_if
/// and increment. Every key is prefixed with `key_prefix`.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "auth/store.hpp"

namespace mcpk::auth {

struct RedisOptions {
  /// "host:port", "redis://[user[:password]@]host[:port][/db]" or "rediss://..." (TLS).
  std::string url;
  /// Wins over a password in the URL.
  std::string password;
  /// TLS even for a redis:// or bare URL.
  bool tls = false;
  /// CA bundle to verify the server with; the system's default paths when empty.
  std::string ca_file;
  std::string key_prefix = "mcp:";
  /// SELECT this database after connecting; a /db in the URL is used when this is 0.
  int db = 0;
  /// For a command's reply, connecting included.
  std::chrono::milliseconds timeout{5000};
};

class RedisStore final : public Store {
 public:
  /// Checks the URL (and reads the CA file) without connecting.
  static Result<std::shared_ptr<RedisStore>> create(net::any_io_executor executor, RedisOptions options);
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  Task<Result<std::optional<std::string>>> get(std::string key) override;
  Task<Result<void>> put(std::string key, std::string value, Seconds ttl) override;
  Task<Result<bool>> put_if_absent(std::string key, std::string value, Seconds ttl) override;
  Task<Result<std::optional<std::string>>> take(std::string key) override;
  Task<Result<bool>> remove(std::string key) override;
  Task<Result<bool>> remove_if(std::string key, std::string value) override;
  Task<Result<std::int64_t>> increment(std::string key, Seconds window) override;
  std::string_view kind() const override { return "valkey"; }

  /// "host:port" ("[v6]:port"), as errors and the start-up line name it.
  const std::string& endpoint() const;
  /// Connection attempts so far (tests: no reconnect storm).
  std::size_t connect_attempts() const;
  /// Drops the connection; commands waiting on it fail with Errc::unavailable.
  void close();

  struct Impl;

 private:
  explicit RedisStore(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpk::auth
