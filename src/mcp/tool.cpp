#include "mcp/tool.hpp"

#include <array>

#include "core/json.hpp"

namespace mcpk::mcp {
namespace {

constexpr std::array<std::string_view, 8> kLevelNames = {"debug", "info",     "notice", "warning",
                                                         "error", "critical", "alert",  "emergency"};

}  // namespace

ToolResult ToolResult::text(std::string text) {
  ToolResult r;
  r.content.push_back(json::object{{"type", "text"}, {"text", std::move(text)}});
  return r;
}

ToolResult ToolResult::error(std::string message) {
  ToolResult r = text(std::move(message));
  r.is_error = true;
  return r;
}

ToolResult ToolResult::with_structured(std::string text, json::value structured) {
  ToolResult r = ToolResult::text(std::move(text));
  r.structured = std::move(structured);
  return r;
}

std::optional<LogLevel> parse_log_level(std::string_view s) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == s) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view to_string(LogLevel level) { return kLevelNames[static_cast<std::size_t>(level)]; }

std::string SessionState::get(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

void SessionState::set(std::string key, std::string value) { values_[std::move(key)] = std::move(value); }

void ToolContext::progress(double progress, std::optional<double> total, std::string_view message) {
  if (progress_token_.is_null() || !notify_ || progress <= last_progress_) return;
  last_progress_ = progress;
  json::object params{{"progressToken", progress_token_}, {"progress", progress}};
  if (total) params["total"] = *total;
  if (!message.empty()) params["message"] = message;
  notify_(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/progress"}, {"params", std::move(params)}});
}

void ToolContext::log(LogLevel level, std::string_view message) {
  if (!log_level_ || level < *log_level_ || !notify_) return;
  notify_(json::object{
      {"jsonrpc", "2.0"},
      {"method", "notifications/message"},
      {"params", json::object{{"level", to_string(level)}, {"logger", "mcp-kubernetes"}, {"data", message}}}});
}

}  // namespace mcpk::mcp
