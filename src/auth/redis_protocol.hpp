/// @file
/// @brief The parts of the Redis client that need no socket: the URL of the server and RESP2
/// (encoding commands, parsing replies with bounds), kept apart so that tests reach them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace mcpk::auth {

/// Where the store is and how to log in, from "host[:port]", "redis://[user[:password]@]host
/// [:port][/db]" or "rediss://..." (TLS). The user and password are percent-decoded.
struct RedisEndpoint {
  std::string host;  ///< without brackets for IPv6
  std::string port = "6379";
  std::string username;
  std::string password;
  int db = 0;
  bool tls = false;
  /// "host:port" ("[v6]:port"): how messages name the store.
  std::string name() const;
};

/// Never quotes the URL or its password in an error.
Result<RedisEndpoint> parse_redis_url(std::string_view url);

/// A RESP2 reply: a null bulk string and a null array are both `null`.
struct RespValue {
  enum class Type { simple, error, integer, bulk, null, array };
  Type type = Type::null;
  std::string text;  ///< simple, error, bulk
  std::int64_t integer = 0;
  std::vector<RespValue> elements;
};

/// Bounds on what a reply may hold.
inline constexpr std::size_t kRespMaxBulk = 16 * 1024 * 1024;
inline constexpr std::size_t kRespMaxLine = 64 * 1024;
inline constexpr std::int64_t kRespMaxElements = 1024 * 1024;
inline constexpr int kRespMaxDepth = 8;

enum class RespParse {
  done,  ///< `out` holds the reply; `pos` is past it
  more,  ///< the reply is incomplete: read more and parse again from the same `pos`
  bad,   ///< not RESP2 or beyond a bound: `why` says what
};

/// Parses one reply of `in` starting at `pos`.
RespParse parse_resp(std::string_view in, std::size_t& pos, RespValue& out, std::string& why);

/// A command as a RESP array of bulk strings (binary-safe).
std::string encode_command(const std::vector<std::string_view>& args);

}  // namespace mcpk::auth
