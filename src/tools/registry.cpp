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

Task<Result<KubeCall>> prepare(mcp::ToolContext& ctx, const ToolEnv& env, Targets targets) {
  KubeCall call{{}, call_context(ctx)};
  auto client = co_await env.clients->client(effective_context(ctx, env), call.cc);
  if (!client) co_return std::unexpected(client.error());
  call.target.client = std::move(*client);
  switch (targets) {
    case Targets::cluster:
      co_return call;
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
  co_return call;
}

}  // namespace

void add_kube_tool(mcp::Server& server, const ToolEnv& env, Targets targets, mcp::ToolSpec spec, KubeHandler handler) {
  spec.input_schema = with_context(std::move(spec.input_schema), !env.clients->in_cluster());
  spec.handler = [&env, targets, handler = std::move(handler)](mcp::ToolContext& ctx) -> Task<mcp::ToolResult> {
    auto call = co_await prepare(ctx, env, targets);
    if (!call) co_return error_result(call.error());
    co_return co_await handler(ctx, *call);
  };
  server.add_tool(std::move(spec));
}

}  // namespace mcpk::tools
