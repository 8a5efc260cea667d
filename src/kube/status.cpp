#include "kube/status.hpp"

#include <fmt/format.h>

#include "core/json.hpp"

namespace mcpk::kube {
namespace {
Error describe_status(const HttpResponse& r, const Result<json::value>& body, std::string_view context);
}  // namespace

Error status_error(const HttpResponse& r, std::string_view context) {
  const auto body = parse_json(r.body);  // once, for the message and the Status details
  Error e = describe_status(r, body, context);
  if (body && body->is_object() && string_or(body->as_object(), "kind") == "Status") {
    const auto& o = body->as_object();
    e.reason = std::string(string_or(o, "reason"));
    if (const auto* causes = find_path(*body, {"details", "causes"}); causes && causes->is_array()) {
      for (const auto& c : causes->get_array()) {
        if (!c.is_object()) continue;
        const auto& co = c.get_object();
        e.causes.push_back(ErrorCause{std::string(string_or(co, "reason")), std::string(string_or(co, "message")),
                                      std::string(string_or(co, "field"))});
      }
    }
  }
  return e;
}

namespace {

// The error's code and an actionable message, from the HTTP status and the Status message.
Error describe_status(const HttpResponse& r, const Result<json::value>& body, std::string_view context) {
  std::string message;
  if (body && body->is_object()) message = std::string(string_or(body->as_object(), "message"));
  if (message.empty()) {
    std::string_view raw = r.body;
    message = raw.size() > 200 ? std::string(raw.substr(0, 200)) + "..." : std::string(raw);
    if (message.empty()) message = fmt::format("HTTP {}", r.status);
  }
  const auto in_context = context.empty() ? std::string() : fmt::format(" (context {})", context);
  switch (r.status) {
    case 400:
      return {Errc::invalid_argument, fmt::format("bad request: {}", message), r.status};
    case 401:
      return {Errc::unauthenticated,
              fmt::format("the API server rejected the credentials{}: {} — the token or certificate may have "
                          "expired; log in again or refresh the kubeconfig",
                          in_context, message),
              r.status};
    case 403:
      return {Errc::forbidden,
              fmt::format("forbidden{}: {} — ask a cluster admin for this permission, or use a context that has it",
                          in_context, message),
              r.status};
    case 404:
      return {Errc::not_found, fmt::format("not found: {}", message), r.status};
    case 405:
      return {Errc::not_supported, fmt::format("method not allowed: {}", message), r.status};
    case 409:
      return {Errc::conflict, fmt::format("conflict: {}", message), r.status};
    case 410:
      return {Errc::invalid_argument,
              fmt::format("{} — the continue token has expired; list again without it", message), r.status};
    case 413:
      return {Errc::too_large, fmt::format("request too large: {}", message), r.status};
    case 422:
      return {Errc::invalid_argument, fmt::format("invalid: {}", message), r.status};
    case 429:
      return {Errc::unavailable, fmt::format("the API server is throttling requests (429): {}", message), r.status};
    case 504:
      return {Errc::timeout, fmt::format("the API server timed out: {}", message), r.status};
    default:
      break;
  }
  if (r.status >= 500) {
    return {Errc::unavailable, fmt::format("API server error {}{}: {}", r.status, in_context, message), r.status};
  }
  return {Errc::internal, fmt::format("unexpected HTTP {}{}: {}", r.status, in_context, message), r.status};
}

}  // namespace

}  // namespace mcpk::kube
