/// @file
/// @brief JSON-RPC 2.0 messages (https://www.jsonrpc.org/specification) as MCP uses them:
/// requests, notifications and responses; no batches; params are objects.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/json.hpp"

namespace mcpk::jsonrpc {

/// Standard JSON-RPC codes plus those MCP 2026-07-28 reserves (-32020..-32022).
enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kHeaderMismatch = -32020,
  kMissingRequiredClientCapability = -32021,
  kUnsupportedProtocolVersion = -32022,
};

struct Request {
  json::value id;  ///< string or integer
  std::string method;
  json::object params;  ///< {} when absent
};

struct Notification {
  std::string method;
  json::object params;
};

struct Response {
  json::value id;
  std::optional<json::value> result;
  std::optional<json::object> error;  ///< {code, message, data?}
};

using Message = std::variant<Request, Notification, Response>;

/// Why a text is not a valid message: the JSON-RPC error to answer with, and the id when one
/// could be recovered (null otherwise, as JSON-RPC requires).
struct Invalid {
  int code = kInvalidRequest;
  std::string message;
  json::value id = nullptr;
};

/// Parses and classifies one message. Bad JSON → kParseError; valid JSON that is not a
/// JSON-RPC 2.0 request, notification or response → kInvalidRequest with the reason.
std::expected<Message, Invalid> parse_message(std::string_view text);
std::expected<Message, Invalid> classify(json::value v);

/// True for a JSON-RPC id MCP accepts: a string or an integer (never null, bool or float).
bool valid_id(const json::value& id) noexcept;
/// The id as a map key: "s:<string>" or "n:<integer>" (so "1" and 1 differ).
std::string id_key(const json::value& id);

json::object make_result(const json::value& id, json::value result);
json::object make_error(const json::value& id, int code, std::string_view message, json::value data = nullptr);
json::object make_notification(std::string_view method, json::object params);

}  // namespace mcpk::jsonrpc
