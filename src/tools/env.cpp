#include "tools/env.hpp"

#include <stdexcept>

#include "policy/mask.hpp"

namespace mcpk::tools {

std::string effective_context(mcp::ToolContext& ctx, const ToolEnv& env) {
  if (auto c = string_or(ctx.args(), "context"); !c.empty()) return std::string(c);
  if (auto s = ctx.session().get(kSessionContextKey); !s.empty()) return s;
  return env.pool->default_context();
}

Result<std::shared_ptr<kube::Client>> client_for(mcp::ToolContext& ctx, const ToolEnv& env) {
  return env.pool->client(effective_context(ctx, env));
}

kube::CallContext call_context(const mcp::ToolContext& ctx) { return {ctx.deadline(), ctx.cancel_token()}; }

std::string effective_namespace(const mcp::ToolContext& ctx, const kube::Client& client) {
  if (auto ns = string_or(ctx.args(), "namespace"); !ns.empty()) return std::string(ns);
  return client.config().ns.empty() ? "default" : client.config().ns;
}

json::object schema(std::string_view json_text) {
  auto v = parse_json(json_text);
  if (!v || !v->is_object()) throw std::invalid_argument("bad schema literal: " + std::string(json_text.substr(0, 80)));
  return std::move(v->as_object());
}

json::object with_context(json::object s, bool kubeconfig_mode) {
  if (!kubeconfig_mode) return s;
  auto& props = s["properties"];
  if (!props.is_object()) props = json::object{};
  props.as_object()["context"] =
      json::object{{"type", "string"},
                   {"description",
                    "Kubeconfig context for this call (default: the session's context; k8s_list_contexts lists them)"}};
  return s;
}

mcp::ToolResult error_result(const Error& e) { return mcp::ToolResult::error(e.message); }

void mask_if_needed(json::value& v, const ToolEnv& env) {
  if (!env.show_secret_values) policy::mask_secrets(v);
}

std::string compact(const json::value& v) { return to_json(v); }

void add_all_tools(mcp::Server& server, ToolEnv& env) {
  if (!env.pool->in_cluster()) add_context_tools(server, env);
  add_cluster_tools(server, env);
  add_resource_tools(server, env);
  add_log_tools(server, env);
}

}  // namespace mcpk::tools
