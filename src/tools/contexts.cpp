// Context management (SPEC §1.3): list, get current, switch — per MCP session, never
// returning credentials and never rewriting the kubeconfig.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tools/env.hpp"
#include "tools/render.hpp"

namespace mcpk::tools {
namespace {

mcp::ToolAnnotations read_only() {
  return {.read_only = true, .destructive = false, .idempotent = true, .open_world = false};
}

json::object context_json(const kube::Kubeconfig& kc, const std::string& name, const std::string& current) {
  const auto& c = kc.contexts.at(name);
  return json::object{{"name", name},
                      {"cluster", c.cluster},
                      {"user", c.user},
                      {"namespace", c.ns.empty() ? "default" : c.ns},
                      {"current", name == current}};
}

std::vector<std::string> context_names(const kube::Kubeconfig& kc) {
  std::vector<std::string> names;
  for (const auto& [name, _] : kc.contexts) names.push_back(name);
  return names;
}

}  // namespace

void add_context_tools(mcp::Server& server, ToolEnv& env) {
  server.add_tool({
      .name = "k8s_list_contexts",
      .title = "List kubeconfig contexts",
      .description = "Lists the kubeconfig contexts: name, cluster, user, namespace and which one this session uses. "
                     "Never shows credentials.",
      .input_schema = schema(R"J({"type":"object","properties":{},"additionalProperties":false})J"),
      .output_schema = schema(R"J({"type":"object","properties":{"contexts":{"type":"array","items":{"type":"object",
          "properties":{"name":{"type":"string"},"cluster":{"type":"string"},"user":{"type":"string"},
          "namespace":{"type":"string"},"current":{"type":"boolean"}}}}},"required":["contexts"]})J"),
      .annotations = read_only(),
      .operation = "contexts",
      .handler = [&env](mcp::ToolContext& ctx) -> Task<mcp::ToolResult> {
        const auto& kc = env.clients->kubeconfig();
        const auto current = effective_context(ctx, env);
        json::array list;
        std::vector<std::vector<std::string>> rows{{"CURRENT", "NAME", "CLUSTER", "USER", "NAMESPACE"}};
        for (const auto& name : context_names(kc)) {
          auto o = context_json(kc, name, current);
          rows.push_back({name == current ? "*" : "", name, std::string(o["cluster"].as_string()),
                          std::string(o["user"].as_string()), std::string(o["namespace"].as_string())});
          list.push_back(std::move(o));
        }
        std::string text = align_columns(rows);
        if (rows.size() == 1) text = "The kubeconfig has no contexts.\n";
        co_return mcp::ToolResult::with_structured(std::move(text), json::object{{"contexts", std::move(list)}});
      },
  });

  server.add_tool({
      .name = "k8s_get_current_context",
      .title = "Get the current context",
      .description = "The kubeconfig context this MCP session uses, with its cluster, user, namespace and API server.",
      .input_schema = schema(R"J({"type":"object","properties":{},"additionalProperties":false})J"),
      .output_schema = std::nullopt,
      .annotations = read_only(),
      .operation = "contexts",
      .handler = [&env](mcp::ToolContext& ctx) -> Task<mcp::ToolResult> {
        const auto& kc = env.clients->kubeconfig();
        const auto current = effective_context(ctx, env);
        if (current.empty() || !kc.contexts.contains(current)) {
          co_return mcp::ToolResult::error(
              fmt::format("no current context is set{}; use k8s_switch_context (known: {})",
                          current.empty() ? "" : fmt::format(" (\"{}\" is not in the kubeconfig)", current),
                          fmt::join(context_names(kc), ", ")));
        }
        auto o = context_json(kc, current, current);
        std::string server_url;
        if (auto it = kc.clusters.find(std::string(o["cluster"].as_string())); it != kc.clusters.end()) {
          server_url = it->second.server;
        }
        o["server"] = server_url;
        auto text = fmt::format("Current context: {} (cluster {}, user {}, namespace {}, server {})", current,
                                std::string_view(o["cluster"].as_string()), std::string_view(o["user"].as_string()),
                                std::string_view(o["namespace"].as_string()), server_url);
        co_return mcp::ToolResult::with_structured(std::move(text), std::move(o));
      },
  });

  server.add_tool({
      .name = "k8s_switch_context",
      .title = "Switch context",
      .description = "Switches the kubeconfig context for this MCP session only. Other sessions and the kubeconfig "
                     "file are not changed.",
      .input_schema = schema(R"J({"type":"object","properties":{"contextName":{"type":"string","minLength":1,
          "description":"Name of the context (k8s_list_contexts lists them)"}},
          "required":["contextName"],"additionalProperties":false})J"),
      .output_schema = std::nullopt,
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = false},
      .operation = "contexts",
      .handler = [&env](mcp::ToolContext& ctx) -> Task<mcp::ToolResult> {
        const auto& kc = env.clients->kubeconfig();
        const std::string name(string_or(ctx.args(), "contextName"));
        if (ctx.session().get(mcp::kStatelessKey) == "1") {
          co_return mcp::ToolResult::error(
              "this connection speaks the stateless 2026-07-28 protocol, which has no sessions to switch: pass "
              "context on each call instead");
        }
        if (!kc.contexts.contains(name)) {
          co_return mcp::ToolResult::error(
              fmt::format("unknown context \"{}\"; valid contexts: {}", name, fmt::join(context_names(kc), ", ")));
        }
        const auto previous = effective_context(ctx, env);
        ctx.session().set(std::string(kSessionContextKey), name);
        const auto& c = kc.contexts.at(name);
        co_return mcp::ToolResult::text(
            fmt::format("Switched this session from context \"{}\" to \"{}\" (cluster {}, namespace {}).", previous,
                        name, c.cluster, c.ns.empty() ? "default" : c.ns));
      },
  });
}

}  // namespace mcpk::tools
