#include "tools/env.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "core/log.hpp"
#include "core/text.hpp"
#include "policy/mask.hpp"

namespace mcpk::tools {

std::string effective_context(mcp::ToolContext& ctx, const ToolEnv& env) {
  if (auto c = string_or(ctx.args(), "context"); !c.empty()) return std::string(c);
  if (auto s = ctx.session().get(kSessionContextKey); !s.empty()) return s;
  return env.clients->default_context();
}

kube::CallContext call_context(const mcp::ToolContext& ctx) {
  return {ctx.deadline(), ctx.cancel_token(), ctx.scope()};
}

std::string effective_namespace(const mcp::ToolContext& ctx, const kube::Client& client) {
  if (auto ns = string_or(ctx.args(), "namespace"); !ns.empty()) return std::string(ns);
  return default_namespace(client);
}

std::string default_namespace(const kube::Client& client) {
  return client.config().ns.empty() ? "default" : client.config().ns;
}

Result<void> check_name(std::string_view name) {
  // client-go's path-segment rule: no "/" or "%", and not "." or "..".
  if (name.empty() || name.size() > 253 || name == "." || name == ".." ||
      name.find_first_of("/%") != std::string_view::npos) {
    return fail(Errc::invalid_argument, fmt::format("\"{}\" is not a valid object name", clip(name)));
  }
  return {};
}

const kube::ApiResource& pods_resource() {
  static const auto pods = kube::known_resource("", "v1", "pods", "Pod", true);
  return pods;
}

json::object schema(std::string_view json_text) {
  auto v = parse_json(json_text);
  if (!v || !v->is_object()) throw std::invalid_argument("bad schema literal: " + std::string(json_text.substr(0, 80)));
  return std::move(v->as_object());
}

json::object with_property(json::object s, std::string_view name, json::object property) {
  auto& props = s["properties"];
  if (!props.is_object()) props = json::object{};
  props.as_object()[name] = std::move(property);
  return s;
}

json::object with_cluster(json::object s, bool federation_mode) {
  if (!federation_mode) return s;
  return with_property(std::move(s), "cluster",
                       json::object{{"type", "string"},
                                    {"maxLength", 317},
                                    {"description",
                                     "Workload cluster for this call: namespace/name, or a name used in one namespace "
                                     "only (capi_list_clusters lists them; default: the management cluster)"}});
}

json::object with_context(json::object s, bool kubeconfig_mode) {
  if (!kubeconfig_mode) return s;
  return with_property(
      std::move(s), "context",
      json::object{
          {"type", "string"},
          {"description",
           "Kubeconfig context for this call (default: the session's context; k8s_list_contexts lists them)"}});
}

mcp::ToolResult error_result(const Error& e) { return mcp::ToolResult::error(e.message); }

void mask_if_needed(json::value& v, const ToolEnv& env, const kube::ApiResource& resource) {
  if (!env.settings->show_secret_values)
    policy::mask_secrets(v, resource.group.empty() && resource.resource == "secrets");
}

std::string compact(const json::value& v) { return to_json(v); }

const json::array& array_at(const json::value* v) {
  static const json::array kEmpty;
  return v && v->is_array() ? v->get_array() : kEmpty;
}

Task<Result<std::pair<std::string, std::string>>> default_container(kube::Client& client, const std::string& ns,
                                                                    const std::string& pod,
                                                                    const kube::CallContext& cc) {
  const auto& pods = pods_resource();
  const auto path = kube::resource_path(pods, ns, pod);
  auto obj = co_await client.get_json(path, cc);
  if (!obj) co_return std::unexpected(obj.error());
  std::vector<std::string> names;
  if (const auto* cs = find_path(*obj, {"spec", "containers"}); cs && cs->is_array()) {
    for (const auto& x : cs->get_array()) {
      if (x.is_object()) names.emplace_back(string_or(x.get_object(), "name"));
    }
  }
  std::string chosen;
  const auto* def = find_path(*obj, {"metadata", "annotations", "kubectl.kubernetes.io/default-container"});
  if (def && def->is_string() && std::ranges::find(names, std::string_view(def->get_string())) != names.end()) {
    chosen = std::string(def->get_string());
  } else if (!names.empty()) {
    chosen = names.front();
  }
  std::string note;
  if (names.size() > 1) {
    note = fmt::format("[container \"{}\" of {} ({}); pass container to choose another]\n", chosen, names.size(),
                       fmt::join(names, ", "));
  }
  co_return std::pair{chosen, note};
}

Result<void> check_target(const ToolEnv& env, const kube::ApiResource& resource, std::string_view ns) {
  auto r = env.settings->policy.check_resource(resource.resource, resource.group);
  if (r) r = env.settings->policy.check_namespace(resource.namespaced ? ns : std::string_view{});
  if (!r) return fail(r.error().code, "refused by the server's policy: " + r.error().message);
  return {};
}

mcp::ToolFilter policy_filter(const ToolEnv& env) {
  return [&env](const mcp::ToolSpec& t) {
    // exec and port-forward tools come and go together: listing or stopping forwards is
    // pointless where opening them is not allowed.
    const bool mutating = !t.annotations.read_only || t.operation == "port-forward" || t.operation == "exec";
    return env.settings->policy.offers(t.operation, mutating);
  };
}

Result<void> check_namespace_name(std::string_view ns) {
  // A DNS-1123 label, as the API server requires and client-go checks before sending: no "."
  // or ".." can reach a URL path.
  const bool ok =
      !ns.empty() && ns.size() <= 63 && std::isalnum(static_cast<unsigned char>(ns.front())) &&
      std::isalnum(static_cast<unsigned char>(ns.back())) &&
      std::ranges::all_of(ns, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
  if (!ok) {
    return fail(
        Errc::invalid_argument,
        fmt::format("\"{}\" is not a valid namespace (lower-case letters, digits and '-', at most 63)", clip(ns)));
  }
  return {};
}

mcp::ToolMiddleware policy_guard(const ToolEnv& env) {
  return
      [&env](mcp::ToolContext& ctx, const mcp::ToolSpec& tool, const mcp::ToolHandler& next) -> Task<mcp::ToolResult> {
        const auto& a = ctx.args();
        const bool mutating = !tool.annotations.read_only;
        std::optional<Error> refused;
        if (auto ns = string_or(a, "namespace"); !ns.empty()) {
          if (auto ok = check_namespace_name(ns); !ok) co_return error_result(ok.error());
        }
        const auto settings = env.settings;  // one configuration for the whole check, even across a reload
        const auto& policy = settings->policy;
        if (auto r = policy.check_operation(tool.operation, mutating); !r) refused = r.error();
        if (!refused) {
          if (auto r = policy.check_namespace(string_or(a, "namespace")); !r) refused = r.error();
        }
        if (!refused && find_bool(a, "allNamespaces").value_or(false)) {
          if (auto r = policy.check_all_namespaces(); !r) refused = r.error();
        }
        if (refused) {
          ctx.set_refused();
          co_return mcp::ToolResult::error("refused by the server's policy: " + refused->message);
        }
        co_return co_await next(ctx);
      };
}

mcp::ToolMiddleware audit_log(const ToolEnv& env) {
  return [&env](mcp::ToolContext& ctx, const mcp::ToolSpec& tool,
                const mcp::ToolHandler& next) -> Task<mcp::ToolResult> {
    const auto started = std::chrono::steady_clock::now();
    auto result = co_await next(ctx);
    kube::release_memory_after_large_answers();  // the call's API answers are freed by now
    const bool mutating = !tool.annotations.read_only;
    const bool refused = ctx.refused();
    if (!mutating && !refused && !spdlog::should_log(spdlog::level::debug)) co_return result;  // the hot path
    const auto& a = ctx.args();
    const char* outcome = refused ? "refused" : result.is_error ? "error" : "ok";
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    auto context = log_field(env.clients->in_cluster() ? std::string("in-cluster") : effective_context(ctx, env));
    if (auto cluster = string_or(a, "cluster"); !cluster.empty()) context += " cluster=" + log_field(cluster);
    auto target = std::string(string_or(a, "resourceType"));
    for (auto key : {"name", "podName", "serviceName"}) {
      if (auto v = string_or(a, key); !v.empty()) target += (target.empty() ? "" : "/") + std::string(v);
    }
    // The trace the call ran under (tracing on, or the caller's traceparent), to find its spans.
    const auto trace = ctx.scope().trace.log_suffix();
    // Every value from the caller goes through log_field: no argument can forge a log line.
    if (mutating || refused) {
      spdlog::info("audit tool={} user={} context={} namespace={} target={} dryRun={} outcome={} duration_ms={}{}",
                   tool.name, log_field(ctx.caller().display()), context, log_field(string_or(a, "namespace")),
                   log_field(target), env.settings->policy.dry_run(), outcome, ms.count(), trace);
    } else {
      spdlog::debug("call tool={} user={} context={} namespace={} target={} outcome={} duration_ms={}{}", tool.name,
                    log_field(ctx.caller().display()), context, log_field(string_or(a, "namespace")), log_field(target),
                    outcome, ms.count(), trace);
    }
    co_return result;
  };
}

void add_all_tools(mcp::Server& server, ToolEnv& env) {
  if (!env.clients->in_cluster()) add_context_tools(server, env);
  add_cluster_tools(server, env);
  add_resource_tools(server, env);
  add_log_tools(server, env);
  add_mutating_tools(server, env);
  add_exec_tools(server, env);
  add_port_forward_tools(server, env);
  add_capi_tools(server, env);
}

}  // namespace mcpk::tools
