/// @file
/// @brief The MCP server: tool registry and method table, and the per-connection Session that
/// speaks both protocol eras (see shared/docs/mcp-spec.md).
///
/// Session era (2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05): initialize → initialized,
/// ping, logging/setLevel, tools/list, tools/call, notifications/cancelled.
/// Stateless era (2026-07-28): every request carries _meta protocolVersion and
/// clientCapabilities; server/discover; resultType on every result; ttlMs/cacheScope on lists;
/// per-request log level; -32022/-32021/-32602 for bad metadata.
///
/// Threading: a Server is built before serving and then changes only by refresh_tools() (a
/// reload); a Session belongs to one connection. Both are used from the io_context's thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/async.hpp"
#include "core/cancel.hpp"
#include "core/json.hpp"
#include "jsonrpc/message.hpp"
#include "mcp/tool.hpp"

namespace mcpk::mcp {

inline constexpr std::string_view kModernVersion = "2026-07-28";
/// Session-era versions we speak, newest first.
inline constexpr std::string_view kLegacyVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

struct ServerInfo {
  std::string name = "mcp-kubernetes";
  std::string title = "Kubernetes";
  std::string version;
  std::string instructions;
};

/// Decides whether a tool is listed (and callable at all).
using ToolFilter = std::function<bool(const ToolSpec&)>;
/// Wraps every tool call (audit log, policy checks, then metrics and tracing); call `next` to
/// run the rest of the chain and the tool, or answer without it (a refusal).
using ToolMiddleware = std::function<Task<ToolResult>(ToolContext&, const ToolSpec&, const ToolHandler& next)>;

/// What the request middleware learns of one JSON-RPC request before it runs.
struct RequestInfo {
  std::string method{};
  json::value id{};
  std::string target{};            ///< tools/call: the tool's name (as sent, cut to 128 bytes)
  std::string protocol_version{};  ///< _meta's (stateless era), else the session's (or initialize's request)
  std::string traceparent{};       ///< params._meta.traceparent / tracestate, as sent (bounded)
  std::string tracestate{};
};
/// Runs the request with the scope it is given (the middleware may put its own trace context in).
using RequestNext = std::function<Task<std::optional<json::object>>(RequestScope scope)>;
/// Wraps every JSON-RPC request a session handles (tracing); sees the response, or nullopt
/// when none is sent (a cancelled call).
using RequestMiddleware =
    std::function<Task<std::optional<json::object>>(const RequestInfo&, RequestScope, const RequestNext& next)>;

struct ServerOptions {
  ToolFilter visible;                      ///< null = all tools visible
  std::vector<ToolMiddleware> middleware;  ///< outermost first; empty = call the tool directly
  RequestMiddleware request_middleware;    ///< null: none
  std::chrono::milliseconds tool_timeout{30'000};
  std::size_t page_size = 100;  ///< tools/list page size
  /// maxLength given to every string in an input schema that declares none (names, namespaces,
  /// selectors): no argument of unbounded length reaches a tool. 0 = no default.
  std::size_t default_max_length = 1024;
};

class Server {
 public:
  Server(ServerInfo info, ServerOptions options);

  /// Registers a tool. Programmer mistakes (bad name, duplicate, non-object or unsupported
  /// schema, missing handler) throw std::invalid_argument: they must fail at start-up.
  void add_tool(ToolSpec spec);

  const ServerInfo& info() const { return info_; }
  const ServerOptions& options() const { return options_; }
  /// Visible tools in registration order.
  const std::vector<const ToolSpec*>& visible_tools() const;
  /// A visible tool by name, or nullptr.
  const ToolSpec* find_tool(std::string_view name) const;
  /// Any registered tool by name, listed or not, or nullptr.
  const ToolSpec* find_registered(std::string_view name) const;
  /// The tool as tools/list describes it.
  json::object describe(const ToolSpec& tool) const;
  /// Runs `handler` for `tool` through the middleware chain.
  Task<ToolResult> run(ToolContext& ctx, const ToolSpec& tool, const ToolHandler& handler) const;

  /// The configuration behind `visible` changed (a reload): recomputes tools/list and, when
  /// the list is different, tells every subscriber (each session sends
  /// notifications/tools/list_changed). Returns whether it changed.
  bool refresh_tools();
  using Listener = std::function<void()>;
  /// Registers `fn` for refresh_tools() changes until the returned handle is destroyed.
  std::shared_ptr<void> on_tools_changed(Listener fn);

 private:
  ServerInfo info_;
  ServerOptions options_;
  ToolHandler chain(const ToolSpec& tool, ToolHandler handler) const;

  std::vector<std::unique_ptr<ToolSpec>> tools_;
  std::unordered_map<const ToolSpec*, ToolHandler> chains_;  ///< each tool's handler in the middleware
  mutable std::vector<const ToolSpec*> visible_;
  mutable bool visible_ready_ = false;
  std::map<std::uint64_t, Listener> listeners_;
  std::uint64_t next_listener_ = 0;
};

class Session {
 public:
  using Send = std::function<void(json::object message)>;

  explicit Session(Server& server);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Handles one message. Returns the JSON-RPC response for a request (nullopt for a
  /// notification, a response, or a request the client cancelled). `related` receives the
  /// notifications that belong to this request (progress, log messages), before the response.
  /// `scope` (who calls, trace context) reaches the tool and every Kubernetes request it makes.
  /// (No default argument: a defaulted `= {}` is a braced temporary in the caller's co_await,
  /// which g++ 12 destroys twice; see core/async.hpp.)
  Task<std::optional<json::object>> handle(jsonrpc::Message message, Send related, RequestScope scope);
  /// Parses `text` first; an unparsable message yields its JSON-RPC error response.
  Task<std::optional<json::object>> handle_text(std::string_view text, Send related, RequestScope scope);

  /// Where the session sends what no request asked for (notifications/tools/list_changed): the
  /// stdio writer, or the HTTP session's GET stream. Unset: such messages are dropped.
  void set_notifier(Send notify) { notifier_ = std::move(notify); }

  /// Cancels every call in flight (connection closed, shutdown).
  void cancel_all(std::string_view reason);
  std::size_t in_flight() const { return in_flight_.size(); }

  bool initialized() const { return !legacy_version_.empty(); }
  /// The negotiated session-era version, empty before initialize.
  const std::string& protocol_version() const { return legacy_version_; }
  SessionState& state() { return state_; }

 private:
  struct Call;
  /// One request on its way to its method: what the method table's entries receive.
  struct MethodCall {
    jsonrpc::Request request;
    Send related;
    RequestScope scope;
    bool modern = false;  ///< the stateless 2026-07-28 era
    std::optional<LogLevel> level;
  };
  /// An entry of the method table, which both eras share (prompts, resources and completions
  /// become entries like these).
  struct Method {
    bool session_era = true;         ///< served to initialized sessions (2025-11-25 and older)
    bool stateless_era = false;      ///< served to requests that carry their own _meta (2026-07-28)
    bool before_initialize = false;  ///< session era: allowed before initialize
    std::function<Task<std::optional<json::object>>(Session&, MethodCall&)> run;
  };
  static const std::map<std::string, Method, std::less<>>& methods();
  Task<std::optional<json::object>> dispatch(jsonrpc::Request request, Send related, RequestScope scope);
  RequestInfo describe(const jsonrpc::Request& request) const;
  json::object initialize(const jsonrpc::Request& request);
  json::object discover(bool modern) const;
  std::optional<json::object> list_tools(const jsonrpc::Request& request, bool modern) const;
  Task<std::optional<json::object>> call_tool(jsonrpc::Request request, Send related, RequestScope scope, bool modern,
                                              std::optional<LogLevel> level);
  void on_notification(const jsonrpc::Notification& n);
  json::object finish(json::object result, bool modern) const;

  Server& server_;
  SessionState state_;
  std::string legacy_version_;
  std::optional<LogLevel> legacy_log_level_;
  std::map<std::string, CancelTokenPtr> in_flight_;
  std::uint64_t serial_ = 0;
  Send notifier_;
  std::shared_ptr<void> tools_subscription_;
};

}  // namespace mcpk::mcp
