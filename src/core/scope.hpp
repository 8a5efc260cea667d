/// @file
/// @brief Who is calling and under which trace: the request scope that travels from the
/// transport (which fills it) through the MCP session and the tool call into every Kubernetes
/// request. The mcp layer never reads a header: the HTTP side (or stdio) builds the scope.
///
/// Without authentication every caller is the one local user (`Caller::local()`), as on a
/// laptop. With OAuth the caller is the token's subject; whatever a caller owns (port-forwards,
/// stateless-era state, cached clients) is keyed by `Caller::key`, so one caller can never
/// reach another's.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "core/cancel.hpp"
#include "core/error.hpp"

namespace mcpk {

/// A bearer credential of the caller's own for the API server (downstream OAuth, SSO
/// passthrough): fetched per request, refreshed by its owner. Never logged.
class CallerCredential {
 public:
  virtual ~CallerCredential() = default;
  /// The token to send as "Authorization: Bearer <token>".
  virtual Task<Result<std::string>> token(const CancelTokenPtr& cancel) = 0;
};

struct Caller {
  /// Stable identity key: "local", or "<issuer>#<subject>" for an authenticated user. Two
  /// scopes with the same key are the same caller; nothing else is compared.
  std::string key = "local";
  std::string subject;  ///< OAuth `sub` (empty for the local user)
  std::string email;
  std::vector<std::string> groups;
  /// The caller's own credential for the API server, when one reaches Kubernetes; null: the
  /// server's own credentials (kubeconfig, service account), possibly impersonating.
  std::shared_ptr<CallerCredential> credential;

  bool local() const { return key == "local"; }
  /// The one local user (no authentication): shared, immutable.
  static std::shared_ptr<const Caller> local_user();
  /// For logs and audit lines: the email, else the subject, else "local".
  const std::string& display() const { return !email.empty() ? email : !subject.empty() ? subject : key; }
};

using CallerPtr = std::shared_ptr<const Caller>;

/// W3C trace context of the span the request runs under (empty when none): the transport
/// fills it from the `traceparent` header; with tracing on, each layer's span replaces it with
/// its own, so what runs inside (the tool, each Kubernetes request) becomes that span's child.
struct TraceContext {
  std::string traceparent;
  std::string tracestate;
  /// The trace id (32 lower-case hex digits) for log lines; empty unless the traceparent has
  /// the W3C shape (it may come straight from a header).
  std::string_view trace_id() const {
    if (traceparent.size() != 55 || traceparent[2] != '-' || traceparent[35] != '-') return {};
    const auto id = std::string_view(traceparent).substr(3, 32);
    for (char c : id) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
    }
    return id;
  }
  /// " trace_id=<id>" to end a log line of a call made under a trace; "" otherwise.
  std::string log_suffix() const {
    const auto id = trace_id();
    return id.empty() ? std::string() : " trace_id=" + std::string(id);
  }
};

/// What travels with one request from the transport inward.
struct RequestScope {
  CallerPtr caller = Caller::local_user();  ///< never null
  TraceContext trace{};
  std::string session_id{};                     ///< the MCP session (session-era HTTP), empty otherwise
  std::string_view network_transport = "pipe";  ///< "pipe" (stdio) or "tcp" (HTTP)
};

inline std::shared_ptr<const Caller> Caller::local_user() {
  static const auto local = std::make_shared<const Caller>();
  return local;
}

}  // namespace mcpk
