/// @file
/// @brief What every tool group shares: the client pool, output settings, and the helpers that
/// turn a call's arguments into a client, a namespace and a CallContext.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/pending.hpp"
#include "federation/federation.hpp"
#include "kube/client.hpp"
#include "kube/client_source.hpp"
#include "mcp/server.hpp"
#include "mcp/tool.hpp"
#include "policy/policy.hpp"

namespace mcpk::tools {

/// The part of the running configuration that tools read, parsed once into typed values. It is
/// immutable: a reload builds a new one and swaps the pointer whole (ToolEnv::settings), then
/// asks the server to recompute tools/list (mcp::Server::refresh_tools).
struct Settings {
  policy::Policy policy{policy::PolicyConfig{}};
  std::size_t max_response_bytes = 128 * 1024;
  bool show_secret_values = false;
};

struct ToolEnv {
  kube::ClientSource* clients = nullptr;
  federation::Federation* federation = nullptr;  ///< --enable-capi: workload clusters
  std::shared_ptr<const Settings> settings = std::make_shared<const Settings>();
};

/// The session key under which k8s_switch_context stores the session's context.
inline constexpr std::string_view kSessionContextKey = "kube.context";

/// The context a call uses: its `context` argument, else the session's (switch_context),
/// else the server's default.
std::string effective_context(mcp::ToolContext& ctx, const ToolEnv& env);
/// Deadline and cancel token of the call, for API requests.
kube::CallContext call_context(const mcp::ToolContext& ctx);
/// The namespace a namespaced call uses: `namespace` argument, else the context's namespace.
std::string effective_namespace(const mcp::ToolContext& ctx, const kube::Client& client);
/// The context's namespace, else "default".
std::string default_namespace(const kube::Client& client);
/// An object name the API can take: non-empty, at most 253 characters, no '/'.
Result<void> check_name(std::string_view name);
/// The core/v1 pods resource (always served; no discovery needed).
const kube::ApiResource& pods_resource();

/// A schema literal (JSON text) as an object; registration fails loudly if it is malformed.
json::object schema(std::string_view json_text);
/// Adds (or replaces) one property of an object schema.
json::object with_property(json::object schema, std::string_view name, json::object property);
/// Adds the `context` property (kubeconfig mode) to an object schema.
json::object with_context(json::object schema, bool kubeconfig_mode);
/// Adds the `cluster` property (federation mode) to an object schema.
json::object with_cluster(json::object schema, bool federation_mode);

/// An error result for a failed call, with its message.
mcp::ToolResult error_result(const Error& e);

/// Masks Secret values unless --show-secret-values. `resource` is what the request resolved
/// to: an answer for core/v1 secrets is masked whatever kinds it carries (or lacks).
void mask_if_needed(json::value& v, const ToolEnv& env, const kube::ApiResource& resource);

/// The array at `v`, or an empty one: a reference, never a copy, so pointers into it stay valid.
const json::array& array_at(const json::value* v);

/// Compact JSON text of `v`, for tool text blocks.
std::string compact(const json::value& v);

/// The container a pod call uses when none is named, as kubectl picks it: the
/// kubectl.kubernetes.io/default-container annotation, else the first container. Returns
/// (name, note), the note saying which was chosen when the pod has several.
Task<Result<std::pair<std::string, std::string>>> default_container(kube::Client& client, const std::string& ns,
                                                                    const std::string& pod,
                                                                    const kube::CallContext& cc);

/// What a call on a resource type works on: the client, the resolved resource, the namespace
/// ("" for cluster-scoped kinds) and notes for the answer (ambiguity, ignored namespace).
struct Target {
  std::shared_ptr<kube::Client> client;
  kube::ApiResource resource;
  std::string ns;
  std::string notes;
};

/// The safety policy for one resolved target (resource type and namespace); the error says
/// "refused by the server's policy: ...".
Result<void> check_target(const ToolEnv& env, const kube::ApiResource& resource, std::string_view ns);

/// Lists only the tools the policy offers (SPEC §2: tools/list reflects the policy).
mcp::ToolFilter policy_filter(const ToolEnv& env);
/// The namespace argument's form (a DNS-1123 label), checked before any request is built.
Result<void> check_namespace_name(std::string_view ns);
/// Refuses what the policy does not allow (operation, namespace, all namespaces) and any
/// malformed namespace argument, for every tool; marks the context refused.
mcp::ToolMiddleware policy_guard(const ToolEnv& env);
/// One audit line per changing or refused call (tool, user, context, namespace, target,
/// outcome, duration; never other argument values), a debug line for the others. Outermost.
mcp::ToolMiddleware audit_log(const ToolEnv& env);

/// What a Kubernetes tool names, declared at registration; the registry resolves it before the
/// handler runs and checks it against the policy, for every tool alike.
enum class Targets {
  cluster,        ///< the cluster as a whole (discovery, health): a client, no resource
  resource_type,  ///< the resourceType/apiGroup/namespace arguments
  pods,           ///< a pod in the call's namespace (logs, exec, port-forward)
  services,       ///< a service in the call's namespace
};

/// What the registry hands a Kubernetes tool: the caller's client for the call's context
/// (resolved once), the target (resolved and allowed by the policy) and the call's bounds.
struct KubeCall {
  Target target;  ///< target.client is the client; resource and ns are empty for Targets::cluster
  kube::CallContext cc;
  std::string cluster{};  ///< the workload cluster ("ns/name"), empty for the management cluster
  /// The check that the caller may still reach `cluster`, running beside a read-only handler;
  /// the registry waits for it before answering (null: none running).
  std::shared_ptr<Pending<Result<void>>> check{};
};
using KubeHandler = std::function<Task<mcp::ToolResult>(mcp::ToolContext&, KubeCall&)>;

/// Registers a Kubernetes tool: adds the `context` parameter in kubeconfig mode and `cluster` in
/// federation mode, and wraps `handler` so that the client and the target are resolved and
/// checked first. With `fan_out` (federation mode), the tool also takes `clusters` and a call
/// that names several goes to `fan_out` instead.
void add_kube_tool(mcp::Server& server, const ToolEnv& env, Targets targets, mcp::ToolSpec spec, KubeHandler handler,
                   mcp::ToolHandler fan_out = nullptr);
/// k8s_list_resources over several workload clusters (the `clusters` argument): one table with
/// a CLUSTER column, each cluster's error listed instead of failing the call.
Task<mcp::ToolResult> list_across_clusters(mcp::ToolContext& ctx, const ToolEnv& env);

/// Registration of each group (each in its own file).
void add_context_tools(mcp::Server& server, ToolEnv& env);
void add_resource_tools(mcp::Server& server, ToolEnv& env);
void add_cluster_tools(mcp::Server& server, ToolEnv& env);
void add_log_tools(mcp::Server& server, ToolEnv& env);
void add_mutating_tools(mcp::Server& server, ToolEnv& env);
void add_exec_tools(mcp::Server& server, ToolEnv& env);
void add_port_forward_tools(mcp::Server& server, ToolEnv& env);
void add_capi_tools(mcp::Server& server, ToolEnv& env);  ///< only with env.federation

/// Every tool of this build.
void add_all_tools(mcp::Server& server, ToolEnv& env);

}  // namespace mcpk::tools
