/// @file
/// @brief What a tool is (ToolSpec), what it gets when called (ToolContext) and what it
/// returns (ToolResult). Tools are declared as data and registered once, before serving.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/async.hpp"
#include "core/cancel.hpp"
#include "core/json.hpp"
#include "core/scope.hpp"

namespace mcpk::mcp {

/// MCP tool annotations (hints for clients; set truthfully).
struct ToolAnnotations {
  bool read_only = false;
  bool destructive = true;  ///< meaningful only when !read_only
  bool idempotent = false;
  bool open_world = true;
};

/// A tool call's outcome: content blocks for the model, structured content for programs.
struct ToolResult {
  json::array content;
  std::optional<json::value> structured;
  bool is_error = false;

  /// One text block.
  static ToolResult text(std::string text);
  /// A failure the model can act on: isError with one text block.
  static ToolResult error(std::string message);
  /// Text for the model plus structured content for programs.
  static ToolResult with_structured(std::string text, json::value structured);
};

/// Log levels of notifications/message (RFC 5424 names, as MCP uses them).
enum class LogLevel { debug, info, notice, warning, error, critical, alert, emergency };
std::optional<LogLevel> parse_log_level(std::string_view s);
std::string_view to_string(LogLevel level);

/// SessionState key set to "1" where requests share no session (stateless HTTP, 2026-07-28).
inline constexpr std::string_view kStatelessKey = "mcp.stateless";

/// Per-connection state a tool may keep (e.g. the kubeconfig context this MCP session uses).
/// Keys are namespaced by the tool group that owns them.
class SessionState {
 public:
  std::string get(std::string_view key) const;
  void set(std::string key, std::string value);

  /// An object owned by the session (e.g. its port-forwards), created on first use and
  /// destroyed with the session, so whatever it holds ends when the session ends.
  template <class T, class Make>
  std::shared_ptr<T> attachment(const std::string& key, Make make) {
    auto& slot = attachments_[key];
    if (!slot) slot = make();
    return std::static_pointer_cast<T>(slot);
  }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::shared_ptr<void>> attachments_;
};

/// What the call's handler can do besides reading its arguments. Lives for one call.
class ToolContext {
 public:
  using Notify = std::function<void(json::object notification)>;

  ToolContext(json::object args, SessionState& session, RequestScope scope, Notify notify, json::value progress_token,
              std::optional<LogLevel> log_level, std::chrono::steady_clock::time_point deadline, CancelTokenPtr cancel)
      : args_(std::move(args)),
        session_(session),
        scope_(std::move(scope)),
        notify_(std::move(notify)),
        progress_token_(std::move(progress_token)),
        log_level_(log_level),
        deadline_(deadline),
        cancel_(std::move(cancel)) {}

  /// Arguments, validated against the input schema with defaults filled in.
  const json::object& args() const { return args_; }
  SessionState& session() { return session_; }
  /// Who is calling and under which trace (filled by the transport).
  const RequestScope& scope() const { return scope_; }
  const Caller& caller() const { return *scope_.caller; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }
  /// Cancelled when the client cancels, the deadline passes or the server shuts down; pass it
  /// to every wait (API requests, timers) so the call really stops.
  const CancelTokenPtr& cancel_token() const { return cancel_; }

  /// Sends notifications/progress when the caller asked for progress (progressToken);
  /// values that do not increase are dropped, as the spec requires increasing progress.
  void progress(double progress, std::optional<double> total = std::nullopt, std::string_view message = {});
  /// Sends notifications/message at `level` when the caller's log level lets it through.
  void log(LogLevel level, std::string_view message);

  /// Set by the middleware that refused the call (policy), so that the others (audit, metrics)
  /// tell a refusal from a failure.
  void set_refused() { refused_ = true; }
  bool refused() const { return refused_; }

 private:
  json::object args_;
  SessionState& session_;
  RequestScope scope_;
  Notify notify_;
  json::value progress_token_;
  std::optional<LogLevel> log_level_;
  std::chrono::steady_clock::time_point deadline_;
  CancelTokenPtr cancel_;
  double last_progress_ = -1;
  bool refused_ = false;
};

using ToolHandler = std::function<Task<ToolResult>(ToolContext&)>;

struct ToolSpec {
  std::string name;  ///< 1-128 chars of [A-Za-z0-9_.-]
  std::string title;
  std::string description;
  json::object input_schema;  ///< an object schema (mcp/schema.hpp subset)
  std::optional<json::object> output_schema;
  ToolAnnotations annotations;
  std::string operation;  ///< policy verb: get, list, logs, exec, ... (see policy::known_operations)
  ToolHandler handler;
};

}  // namespace mcpk::mcp
