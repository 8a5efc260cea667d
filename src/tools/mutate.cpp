// Changing the cluster (SPEC §1.1): create, apply (server-side), delete, patch, scale. Listed
// only without --non-destructive; under --dry-run every request carries dryRun=All. Secret
// values in the objects the API returns are masked like everywhere else.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <optional>

#include "kube/resource.hpp"
#include "policy/mask.hpp"
#include "tools/env.hpp"
#include "tools/manifest.hpp"
#include "tools/render.hpp"

namespace mcpk::tools {
namespace {

struct Outcome {
  std::string kind, name, ns, outcome, detail;
};

bool dry(const ToolEnv& env) { return env.settings->policy.dry_run(); }

// The options every change carries: dry-run under --dry-run, and our field manager.
kube::RequestOptions write_options(const ToolEnv& env) {
  kube::RequestOptions o;
  o.dry_run = dry(env);
  o.field_manager = "mcp-kubernetes";
  return o;
}

// One outcome of a change to `name` of the target's kind.
Outcome outcome_of(const Target& t, std::string name, const Result<json::value>& r, std::string done) {
  return Outcome{t.resource.kind, std::move(name), t.ns, r ? std::move(done) : "failed", r ? "" : r.error().message};
}

mcp::ToolResult report(std::vector<Outcome> outcomes, const ToolEnv& env, std::string_view verb_past) {
  std::string text;
  json::array results;
  bool any_error = false;
  for (const auto& o : outcomes) {
    const bool failed = o.outcome == "failed";
    any_error = any_error || failed;
    text += fmt::format("{}/{}{} {}{}{}\n", o.kind, o.name, o.ns.empty() ? "" : " in " + o.ns,
                        failed ? "failed" : o.outcome, dry(env) && !failed ? " (dry run)" : "",
                        o.detail.empty() ? "" : ": " + o.detail);
    json::object r{{"kind", o.kind}, {"name", o.name}, {"namespace", o.ns}, {"outcome", o.outcome}};
    if (!o.detail.empty()) r["message"] = o.detail;
    results.push_back(std::move(r));
  }
  if (dry(env)) text += fmt::format("dry run: nothing was {} (--dry-run)\n", verb_past);
  auto res = mcp::ToolResult::with_structured(std::move(text),
                                              json::object{{"results", std::move(results)}, {"dryRun", dry(env)}});
  res.is_error = any_error;
  return res;
}

// Resolves a manifest object's kind and namespace and checks the policy.
Task<Result<kube::Resolution>> resolve_object(mcp::ToolContext& ctx, const ToolEnv& env, kube::Client& client,
                                              const json::object& obj, std::string& ns) {
  const auto cc = call_context(ctx);
  const std::string kind(string_or(obj, "kind"));
  const std::string api_version(string_or(obj, "apiVersion"));
  auto res = co_await client.resolve(kind, api_version, cc);
  if (!res) co_return res;
  const auto* meta = find_object(obj, "metadata");
  const auto obj_ns = meta ? string_or(*meta, "namespace") : std::string_view{};
  const auto arg_ns = string_or(ctx.args(), "namespace");
  if (res->resource.namespaced) {
    if (!obj_ns.empty() && !arg_ns.empty() && obj_ns != arg_ns) {
      co_return fail(Errc::invalid_argument, fmt::format("{} {} says namespace \"{}\" but the call says \"{}\"", kind,
                                                         meta ? string_or(*meta, "name") : "", obj_ns, arg_ns));
    }
    ns = !obj_ns.empty() ? std::string(obj_ns) : !arg_ns.empty() ? std::string(arg_ns) : default_namespace(client);
  } else {
    ns.clear();
  }
  if (auto ok = check_target(env, res->resource, ns); !ok) co_return std::unexpected(ok.error());
  co_return res;
}

std::string object_name(const json::object& o) {
  const auto* meta = find_object(o, "metadata");
  if (!meta) return {};
  auto n = string_or(*meta, "name");
  return std::string(n.empty() ? string_or(*meta, "generateName") : n);
}

Task<mcp::ToolResult> create_resource(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const auto& client = call.target.client;
  auto objects = manifest_objects(*find(ctx.args(), "manifest"));
  if (!objects) co_return error_result(objects.error());
  std::vector<Outcome> outcomes;
  const auto& cc = call.cc;
  for (auto& obj : *objects) {
    std::string ns;
    auto res = co_await resolve_object(ctx, env, *client, obj, ns);
    Outcome o{std::string(string_or(obj, "kind")), object_name(obj), ns, "failed", ""};
    if (!res) {
      o.detail = res.error().message;
      outcomes.push_back(std::move(o));
      continue;
    }
    if (!ns.empty()) obj["metadata"].as_object()["namespace"] = ns;
    kube::ResourceClient rc(*client, res->resource, ns);
    auto opts = write_options(env);
    json::value body = std::move(obj);
    auto r = co_await rc.create(std::move(body), std::move(opts), cc);
    if (!r) {
      o.detail = r.error().message;
    } else {
      o.outcome = "created";
      if (r->is_object()) o.name = object_name(r->as_object());
    }
    outcomes.push_back(std::move(o));
  }
  co_return report(std::move(outcomes), env, "created");
}

// Field-manager conflicts (409 on apply) as a list of fields, with the way out.
std::string conflict_detail(const Error& e) {
  std::vector<std::string> fields;
  for (const auto& c : e.causes) fields.push_back(fmt::format("{} ({})", c.field, c.message));
  return fmt::format("field-manager conflict on {}; pass force=true to take ownership of these fields",
                     fields.empty() ? std::string("some fields") : fmt::format("{}", fmt::join(fields, "; ")));
}

// Whether `have` already holds every value `want` sets (status ignored): a subset comparison.
bool holds(const json::value& have, const json::value& want, int depth = 0) {
  if (depth > 64) return false;
  if (want.is_object()) {
    if (!have.is_object()) return false;
    for (const auto& kv : want.get_object()) {
      if (depth == 0 && (kv.key() == "status" || kv.key() == "apiVersion")) continue;
      const auto* h = have.get_object().if_contains(kv.key());
      if (!h || !holds(*h, kv.value(), depth + 1)) return false;
    }
    return true;
  }
  if (want.is_array()) {
    if (!have.is_array() || have.get_array().size() != want.get_array().size()) return false;
    for (std::size_t i = 0; i < want.get_array().size(); ++i) {
      if (!holds(have.get_array()[i], want.get_array()[i], depth + 1)) return false;
    }
    return true;
  }
  return have == want;
}

Task<mcp::ToolResult> apply_resource(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const auto& client = call.target.client;
  auto objects = manifest_objects(*find(ctx.args(), "manifest"));
  if (!objects) co_return error_result(objects.error());
  const std::string manager(string_or(ctx.args(), "fieldManager", "mcp-kubernetes"));
  const bool force = find_bool(ctx.args(), "force").value_or(false);
  const auto& cc = call.cc;
  std::vector<Outcome> outcomes;
  for (auto& obj : *objects) {
    std::string ns;
    auto res = co_await resolve_object(ctx, env, *client, obj, ns);
    Outcome o{std::string(string_or(obj, "kind")), object_name(obj), ns, "failed", ""};
    if (!res) {
      o.detail = res.error().message;
      outcomes.push_back(std::move(o));
      continue;
    }
    if (string_or(*find_object(obj, "metadata"), "name").empty()) {
      o.detail = "apply needs metadata.name (generateName works only with create)";
      outcomes.push_back(std::move(o));
      continue;
    }
    if (!ns.empty()) obj["metadata"].as_object()["namespace"] = ns;
    kube::ResourceClient rc(*client, res->resource, ns);
    // The resourceVersion before and after tells created / configured / unchanged.
    std::string before;
    std::optional<json::value> before_obj;
    {
      const kube::RequestOptions read;
      auto current = co_await rc.get(o.name, read, cc);
      if (current) {
        before_obj = *current;
        if (const auto* rv = find_path(*current, {"metadata", "resourceVersion"}); rv && rv->is_string()) {
          before = std::string(rv->get_string());
        }
      } else if (current.error().code != Errc::not_found) {
        o.detail = current.error().message;
        outcomes.push_back(std::move(o));
        continue;
      }
    }
    auto opts = write_options(env);
    opts.field_manager = manager;
    opts.force = force;
    const json::value manifest = obj;
    auto r = co_await rc.apply(o.name, manifest, std::move(opts), cc);
    if (!r) {
      o.detail = r.error().http_status == 409 ? conflict_detail(r.error()) : r.error().message;
    } else {
      std::string after;
      if (const auto* rv = find_path(*r, {"metadata", "resourceVersion"}); rv && rv->is_string()) {
        after = std::string(rv->get_string());
      }
      // Unchanged: nothing was written (same resourceVersion), or the object already held every
      // value the manifest sets (other writers, e.g. status updates, may move the version).
      o.outcome = before.empty()                                               ? "created"
                  : before == after || (before_obj && holds(*before_obj, obj)) ? "unchanged"
                                                                               : "configured";
    }
    outcomes.push_back(std::move(o));
  }
  co_return report(std::move(outcomes), env, "applied");
}

Task<mcp::ToolResult> delete_resource(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const auto& t = call.target;
  const std::string name(string_or(ctx.args(), "name"));
  if (auto ok = check_name(name); !ok) co_return error_result(ok.error());
  auto opts = write_options(env);
  opts.propagation_policy = std::string(string_or(ctx.args(), "propagationPolicy", "Background"));
  opts.grace_period_seconds = find_int(ctx.args(), "gracePeriodSeconds");
  const auto& cc = call.cc;
  kube::ResourceClient rc(*t.client, t.resource, t.ns);
  auto r = co_await rc.remove(name, std::move(opts), cc);
  std::vector<Outcome> outcomes{outcome_of(t, name, r, "deleted")};
  co_return report(std::move(outcomes), env, "deleted");
}

Task<mcp::ToolResult> patch_resource(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const auto& t = call.target;
  const std::string name(string_or(ctx.args(), "name"));
  if (auto ok = check_name(name); !ok) co_return error_result(ok.error());
  const auto* patch_arg = find(ctx.args(), "patch");
  json::value patch = *patch_arg;
  if (patch.is_string()) {
    auto docs = parse_yaml_documents(patch.get_string());  // JSON or YAML text
    if (!docs || docs->size() != 1) {
      co_return mcp::ToolResult::error(docs ? "patch must hold exactly one JSON or YAML document"
                                            : "patch is not valid JSON or YAML: " + docs.error().message);
    }
    patch = std::move(docs->front());
  }
  const bool builtin = t.resource.group.empty() || t.resource.group.find('.') == std::string::npos ||
                       t.resource.group.ends_with(".k8s.io");
  std::string type(string_or(ctx.args(), "patchType", builtin ? "strategic" : "merge"));
  if (type == "json" && !patch.is_array()) {
    co_return mcp::ToolResult::error(
        "a JSON Patch (patchType=json) is an array of operations, e.g. "
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\","
        "\"value\":3}]");
  }
  if (type != "json" && !patch.is_object()) {
    co_return mcp::ToolResult::error(
        fmt::format("a {} merge patch is an object; an array is a JSON Patch "
                    "(patchType=json)",
                    type));
  }
  if (type == "strategic" && !builtin) {
    co_return mcp::ToolResult::error(fmt::format(
        "{} is a custom resource: strategic merge patch is not supported for it; use patchType=merge or json",
        t.resource.qualified_name()));
  }
  auto opts = write_options(env);
  opts.subresource = std::string(string_or(ctx.args(), "subresource"));
  const auto patch_type = type == "json"    ? kube::PatchType::json
                          : type == "merge" ? kube::PatchType::merge
                                            : kube::PatchType::strategic;
  const auto& cc = call.cc;
  kube::ResourceClient rc(*t.client, t.resource, t.ns);
  auto r = co_await rc.patch(name, patch_type, std::move(patch), std::move(opts), cc);
  std::vector<Outcome> outcomes{outcome_of(t, name, r, "patched")};
  co_return report(std::move(outcomes), env, "patched");
}

Task<mcp::ToolResult> scale_resource(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const auto& t = call.target;
  const std::string name(string_or(ctx.args(), "name"));
  if (auto ok = check_name(name); !ok) co_return error_result(ok.error());
  if (!t.resource.has_subresource("scale")) {
    co_return mcp::ToolResult::error(
        fmt::format("{} has no scale subresource, so it cannot be scaled", t.resource.qualified_name()));
  }
  const auto replicas = *find_int(ctx.args(), "replicas");
  auto opts = write_options(env);
  opts.subresource = "scale";
  json::value patch = json::object{{"spec", json::object{{"replicas", replicas}}}};
  const auto& cc = call.cc;
  kube::ResourceClient rc(*t.client, t.resource, t.ns);
  auto r = co_await rc.patch(name, kube::PatchType::merge, std::move(patch), std::move(opts), cc);
  std::vector<Outcome> outcomes{outcome_of(t, name, r, fmt::format("scaled to {}", replicas))};
  co_return report(std::move(outcomes), env, "scaled");
}

constexpr std::string_view kNamedProps = R"J(
  "resourceType":{"type":"string","minLength":1,"description":"Resource type as kubectl takes it (deployments, deploy, deployments.apps, widgets.example.com)"},
  "name":{"type":"string","minLength":1},
  "namespace":{"type":"string","description":"Namespace (default: the context's namespace)"},
  "apiGroup":{"type":"string","description":"API group or group/version when the type is ambiguous"})J";

}  // namespace

void add_mutating_tools(mcp::Server& server, ToolEnv& env) {
  add_kube_tool(
      server, env, Targets::cluster,
      {.name = "k8s_create_resource",
       .title = "Create resources",
       .description = "Creates every object of a manifest (an object, or YAML/JSON text with one or more documents). "
                      "Reports per object.",
       .input_schema = schema(R"J({"type":"object","properties":{
          "manifest":{"anyOf":[{"type":"object"},{"type":"string","minLength":1,"maxLength":4194304}],"description":"Object or YAML/JSON text"},
          "namespace":{"type":"string","description":"For objects without metadata.namespace"}},
          "required":["manifest"],"additionalProperties":false})J"),
       .output_schema = std::nullopt,
       .annotations = {.read_only = false, .destructive = false, .idempotent = false, .open_world = true},
       .operation = "create",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return create_resource(ctx, env, call); });
  add_kube_tool(
      server, env, Targets::cluster,
      {.name = "k8s_apply_resource",
       .title = "Apply resources (server-side)",
       .description = "Server-side apply of every object of a manifest; reports created, configured or unchanged. A "
                      "field-manager conflict lists the fields; force=true takes them over.",
       .input_schema = schema(R"J({"type":"object","properties":{
          "manifest":{"anyOf":[{"type":"object"},{"type":"string","minLength":1,"maxLength":4194304}]},
          "namespace":{"type":"string"},
          "fieldManager":{"type":"string","minLength":1,"default":"mcp-kubernetes"},
          "force":{"type":"boolean","default":false}},
          "required":["manifest"],"additionalProperties":false})J"),
       .output_schema = std::nullopt,
       .annotations = {.read_only = false, .destructive = true, .idempotent = true, .open_world = true},
       .operation = "apply",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return apply_resource(ctx, env, call); });
  add_kube_tool(server, env, Targets::resource_type,
                {.name = "k8s_delete_resource",
                 .title = "Delete a resource",
                 .description = "Deletes one object.",
                 .input_schema = schema(fmt::format(R"J({{"type":"object","properties":{{{},
          "propagationPolicy":{{"type":"string","enum":["Background","Foreground","Orphan"],"default":"Background"}},
          "gracePeriodSeconds":{{"type":"integer","minimum":0}}}},
          "required":["resourceType","name"],"additionalProperties":false}})J",
                                                    kNamedProps)),
                 .output_schema = std::nullopt,
                 .annotations = {.read_only = false, .destructive = true, .idempotent = true, .open_world = true},
                 .operation = "delete",
                 .handler = nullptr},
                [&env](mcp::ToolContext& ctx, KubeCall& call) { return delete_resource(ctx, env, call); });
  add_kube_tool(
      server, env, Targets::resource_type,
      {.name = "k8s_patch_resource",
       .title = "Patch a resource",
       .description = "Patches one object: strategic merge (default for built-in kinds), merge (default for custom "
                      "resources) or json (a JSON Patch array). subresource: e.g. status.",
       .input_schema = schema(fmt::format(R"J({{"type":"object","properties":{{{},
          "patch":{{"anyOf":[{{"type":"object"}},{{"type":"array"}},{{"type":"string","minLength":1,"maxLength":1048576}}]}},
          "patchType":{{"type":"string","enum":["strategic","merge","json"]}},
          "subresource":{{"type":"string","enum":["status","scale"]}}}},
          "required":["resourceType","name","patch"],"additionalProperties":false}})J",
                                          kNamedProps)),
       .output_schema = std::nullopt,
       .annotations = {.read_only = false, .destructive = true, .idempotent = false, .open_world = true},
       .operation = "patch",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return patch_resource(ctx, env, call); });
  add_kube_tool(
      server, env, Targets::resource_type,
      {.name = "k8s_scale_resource",
       .title = "Scale a resource",
       .description = "Sets the replicas of anything with a scale subresource (Deployment, ReplicaSet, StatefulSet, "
                      "custom resources that declare one).",
       .input_schema = schema(fmt::format(R"J({{"type":"object","properties":{{{},
          "replicas":{{"type":"integer","minimum":0,"maximum":100000}}}},
          "required":["resourceType","name","replicas"],"additionalProperties":false}})J",
                                          kNamedProps)),
       .output_schema = std::nullopt,
       .annotations = {.read_only = false, .destructive = true, .idempotent = true, .open_world = true},
       .operation = "scale",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return scale_resource(ctx, env, call); });
}

}  // namespace mcpk::tools
