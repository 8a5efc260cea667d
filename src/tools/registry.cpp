// The declarative side of tool registration: a Kubernetes tool declares what it names
// (Targets), and the registry adds the `context` parameter, resolves the caller's client once,
// resolves the target and runs the policy's target check before the handler — for every tool,
// so no tool can forget it.
#include <fmt/format.h>

#include "tools/env.hpp"

namespace mcpk::tools {
namespace {

const kube::ApiResource& services_resource() {
  static const auto services = kube::known_resource("", "v1", "services", "Service", true);
  return services;
}

// The resourceType/apiGroup arguments resolved against discovery; the namespace as used.
Task<Result<void>> resolve_resource_type(mcp::ToolContext& ctx, KubeCall& call) {
  auto& t = call.target;
  auto res =
      co_await t.client->resolve(string_or(ctx.args(), "resourceType"), string_or(ctx.args(), "apiGroup"), call.cc);
  if (!res) co_return std::unexpected(res.error());
  t.resource = res->resource;
  t.notes = res->note;
  if (!res->note.empty()) ctx.log(mcp::LogLevel::warning, res->note);
  if (t.resource.namespaced) {
    t.ns = effective_namespace(ctx, *t.client);
  } else if (auto given = string_or(ctx.args(), "namespace"); !given.empty()) {
    if (!t.notes.empty()) t.notes += "\n";
    t.notes +=
        fmt::format("{} is cluster-scoped: the namespace \"{}\" was ignored.", t.resource.qualified_name(), given);
    ctx.log(mcp::LogLevel::info,
            fmt::format("namespace \"{}\" ignored: {} is cluster-scoped", given, t.resource.qualified_name()));
  }
  co_return Result<void>{};
}

// The client of the call: the workload cluster's when `cluster` names one (the caller's access
// to it checked beside read-only work, before any change), else the context's.
Task<Result<void>> choose_client(mcp::ToolContext& ctx, const ToolEnv& env, bool read_only, KubeCall& call) {
  call.cluster = std::string(string_or(ctx.args(), "cluster"));
  if (call.cluster.empty() || !env.federation) {
    auto client = co_await env.clients->client(effective_context(ctx, env), call.cc);
    if (!client) co_return std::unexpected(client.error());
    call.target.client = std::move(*client);
    co_return Result<void>{};
  }
  if (!string_or(ctx.args(), "context").empty()) {
    co_return fail(Errc::invalid_argument,
                   "give either cluster (a workload cluster) or context (of the management cluster), not both");
  }
  auto access = co_await env.federation->access(call.cluster, call.cc);
  if (!access) co_return std::unexpected(access.error());
  call.cluster = access->cluster.qualified();
  call.target.client = std::move(access->client);
  call.check = std::move(access->check);
  if (call.check && !read_only) {
    auto ok = co_await call.check->wait();
    call.check.reset();
    if (!ok) co_return std::unexpected(ok.error());
  }
  co_return Result<void>{};
}

Task<Result<void>> resolve_target(mcp::ToolContext& ctx, const ToolEnv& env, Targets targets, KubeCall& call) {
  switch (targets) {
    case Targets::cluster:
      co_return Result<void>{};
    case Targets::resource_type:
      if (auto ok = co_await resolve_resource_type(ctx, call); !ok) co_return std::unexpected(ok.error());
      break;
    case Targets::pods:
    case Targets::services:
      call.target.resource = targets == Targets::pods ? pods_resource() : services_resource();
      call.target.ns = effective_namespace(ctx, *call.target.client);
      break;
  }
  if (auto ok = check_target(env, call.target.resource, call.target.ns); !ok) {
    ctx.set_refused();  // a refusal, not a failure, for the audit line and metrics
    co_return std::unexpected(ok.error());
  }
  co_return Result<void>{};
}

Task<Result<KubeCall>> prepare(mcp::ToolContext& ctx, const ToolEnv& env, Targets targets, bool read_only) {
  KubeCall call{{}, call_context(ctx)};
  if (auto ok = co_await choose_client(ctx, env, read_only, call); !ok) co_return std::unexpected(ok.error());
  if (auto ok = co_await resolve_target(ctx, env, targets, call); !ok) {
    // When the workload cluster's access check fails too, that is the better explanation.
    if (call.check) {
      if (auto checked = co_await call.check->wait(); !checked) co_return std::unexpected(checked.error());
    }
    co_return std::unexpected(ok.error());
  }
  co_return call;
}

}  // namespace

void add_kube_tool(mcp::Server& server, const ToolEnv& env, Targets targets, mcp::ToolSpec spec, KubeHandler handler,
                   mcp::ToolHandler fan_out) {
  spec.input_schema = with_context(std::move(spec.input_schema), !env.clients->in_cluster());
  spec.input_schema = with_cluster(std::move(spec.input_schema), env.federation != nullptr);
  if (!env.federation) fan_out = nullptr;
  if (fan_out) {
    spec.input_schema = with_property(
        std::move(spec.input_schema), "clusters",
        json::object{
            {"type", "array"},
            {"items", json::object{{"type", "string"}, {"minLength", 1}, {"maxLength", 317}}},
            {"minItems", 1},
            {"maxItems", 200},
            {"description",
             "Several workload clusters at once: [\"*\"] for every one you may see, or their names; one table with a "
             "CLUSTER column, a failing cluster listed with its error"}});
  }
  const bool read_only = spec.annotations.read_only;
  spec.handler = [&env, targets, read_only, handler = std::move(handler),
                  fan_out = std::move(fan_out)](mcp::ToolContext& ctx) -> Task<mcp::ToolResult> {
    if (const auto* clusters = ctx.args().if_contains("clusters"); fan_out && clusters) co_return co_await fan_out(ctx);
    auto call = co_await prepare(ctx, env, targets, read_only);
    if (!call) co_return error_result(call.error());
    auto result = co_await handler(ctx, *call);
    if (call->check) {
      // Read-only work ran beside the check; nothing of it is shown unless the check passed.
      if (auto ok = co_await call->check->wait(); !ok) co_return error_result(ok.error());
    }
    co_return result;
  };
  server.add_tool(std::move(spec));
}

}  // namespace mcpk::tools
