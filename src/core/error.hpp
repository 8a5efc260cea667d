/// @file
/// @brief The error type used inside the server, and `Result<T>` (= std::expected<T, Error>).
///
/// One translator per boundary turns an Error into what that boundary speaks (a tool result
/// with isError, a JSON-RPC error object, an HTTP status); inside, functions return Result.
#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace mcpk {

enum class Errc {
  invalid_argument,  ///< bad input from a caller (flag, tool argument, request)
  not_found,         ///< named thing does not exist
  forbidden,         ///< refused by policy or by the API server's authorisation
  unauthenticated,   ///< credentials missing, expired or rejected
  conflict,          ///< state conflict (409, field-manager conflict)
  unavailable,       ///< a dependency (API server, IdP, Redis) cannot be reached
  timeout,           ///< a deadline passed
  cancelled,         ///< the caller cancelled
  too_large,         ///< a size limit was exceeded
  not_supported,     ///< recognised but not (yet) supported
  internal,          ///< a bug: never the caller's fault
};

/// Stable lower-case name of an error code, for logs and messages.
const char* to_string(Errc code) noexcept;

/// One cause of a failure as the API server reports it (metav1.StatusCause): the field, what
/// is wrong with it, and a machine-readable type ("FieldValueInvalid", "FieldManagerConflict").
struct ErrorCause {
  std::string type;
  std::string message;
  std::string field;
};

struct Error {
  Errc code = Errc::internal;
  std::string message;  ///< human-readable, actionable; never contains credentials
  int http_status = 0;  ///< HTTP status that caused it, when one did
  /// From the API server's Status, when it sent one: its reason ("NotFound", "Conflict",
  /// "AlreadyExists", "Invalid", ...) and causes.
  std::string reason{};
  std::vector<ErrorCause> causes{};

  Error() = default;
  Error(Errc c, std::string msg, int status = 0) : code(c), message(std::move(msg)), http_status(status) {}
};

template <class T>
using Result = std::expected<T, Error>;

/// Shorthand for `return fail(Errc::x, "...")` in functions returning Result<T>.
inline std::unexpected<Error> fail(Errc code, std::string message, int http_status = 0) {
  return std::unexpected<Error>(Error{code, std::move(message), http_status});
}

}  // namespace mcpk
