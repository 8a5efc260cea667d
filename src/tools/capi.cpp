// Federation tools (SPEC §1.6, --enable-capi): the Cluster API workload clusters the caller may
// see on the management cluster, read with the caller's own client, so its RBAC decides.
#include <fmt/format.h>
#include <algorithm>

#include "core/text.hpp"
#include "core/time.hpp"
#include "federation/resolve.hpp"
#include "tools/env.hpp"
#include "tools/render.hpp"

namespace mcpk::tools {
namespace {

using federation::WorkloadCluster;

mcp::ToolAnnotations read_only() {
  return {.read_only = true, .destructive = false, .idempotent = true, .open_world = true};
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string count_of(const federation::Replicas& r) {
  if (r.desired < 0 && r.ready < 0) return "-";
  return fmt::format("{}/{}", r.ready < 0 ? 0 : r.ready, r.desired < 0 ? 0 : r.desired);
}

std::string age_of(const WorkloadCluster& c) {
  auto t = parse_rfc3339(c.created);
  if (!t) return "";
  return format_age(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t));
}

json::object replicas_json(const federation::Replicas& r) {
  json::object o;
  auto put = [&](const char* key, std::int64_t v) {
    if (v >= 0) o[key] = v;
  };
  put("desired", r.desired);
  put("ready", r.ready);
  put("available", r.available);
  put("upToDate", r.up_to_date);
  return o;
}

json::object cluster_json(const WorkloadCluster& c) {
  json::array conditions;
  for (const auto& x : c.conditions) {
    conditions.push_back(
        json::object{{"type", x.type}, {"status", x.status}, {"reason", x.reason}, {"message", x.message}});
  }
  json::object labels;
  for (const auto& [k, v] : c.labels) labels[k] = v;
  return json::object{
      {"name", c.name},
      {"namespace", c.ns},
      {"cluster", c.qualified()},
      {"organization", c.organization},
      {"provider", c.provider},
      {"status", c.status()},
      {"ready", c.ready()},
      {"phase", c.phase},
      {"version", c.version},
      {"endpoint", c.endpoint_host.empty() ? std::string() : fmt::format("{}:{}", c.endpoint_host, c.endpoint_port)},
      {"controlPlane", replicas_json(c.control_plane)},
      {"workers", replicas_json(c.workers)},
      {"conditions", std::move(conditions)},
      {"labels", std::move(labels)},
      {"apiVersion", c.api_version},
      {"created", c.created}};
}

std::string table_of(const std::vector<const WorkloadCluster*>& clusters) {
  std::vector<std::vector<std::string>> rows{
      {"NAMESPACE", "NAME", "ORGANIZATION", "PROVIDER", "VERSION", "STATUS", "CONTROL-PLANE", "WORKERS", "AGE"}};
  for (const auto* c : clusters) {
    rows.push_back({c->ns, c->name, c->organization, c->provider, c->version, c->status(), count_of(c->control_plane),
                    count_of(c->workers), age_of(*c)});
  }
  return align_columns(rows);
}

// What the filters of capi_list_clusters keep.
bool wanted(const WorkloadCluster& c, const json::object& a) {
  if (auto org = string_or(a, "organization"); !org.empty() && lower(c.organization) != lower(org)) return false;
  if (auto p = string_or(a, "provider"); !p.empty() && lower(c.provider) != lower(p)) return false;
  if (auto s = string_or(a, "status"); !s.empty() && lower(c.status()) != lower(s)) return false;
  const auto* ready_only = a.if_contains("readyOnly");
  if (ready_only && ready_only->is_bool() && ready_only->get_bool() && !c.ready()) return false;
  return true;
}

Task<mcp::ToolResult> list_clusters(mcp::ToolContext& ctx, const ToolEnv& env) {
  const auto& a = ctx.args();
  const auto limit = static_cast<std::size_t>(find_int(a, "limit").value_or(100));
  const auto cc = call_context(ctx);
  auto all = co_await env.federation->list(std::string(string_or(a, "labelSelector")), 10000, cc);
  if (!all) co_return error_result(all.error());
  std::vector<const WorkloadCluster*> shown;
  std::size_t matching = 0;
  for (const auto& c : *all) {
    if (!wanted(c, a)) continue;
    ++matching;
    if (shown.size() < limit) shown.push_back(&c);
  }
  json::array items;
  for (const auto* c : shown) items.push_back(cluster_json(*c));
  std::string text = shown.empty() ? "No workload clusters match.\n" : table_of(shown);
  if (matching > shown.size())
    text += fmt::format("({} of {} matching clusters shown: raise limit)\n", shown.size(), matching);
  if (text.size() > env.settings->max_response_bytes) {
    text.resize(env.settings->max_response_bytes);
    text += fmt::format("\n[cut at the response budget of {} bytes: filter or lower limit]\n",
                        env.settings->max_response_bytes);
  }
  co_return mcp::ToolResult::with_structured(
      std::move(text), json::object{{"clusters", std::move(items)}, {"total", static_cast<std::int64_t>(matching)}});
}

Task<mcp::ToolResult> get_cluster(mcp::ToolContext& ctx, const ToolEnv& env, bool health) {
  const auto cc = call_context(ctx);
  auto found = co_await env.federation->find(std::string(string_or(ctx.args(), "name")), cc);
  if (!found) co_return error_result(found.error());
  const auto& c = *found;
  std::string text = fmt::format("cluster {} ({}", c.qualified(), c.status());
  if (!c.provider.empty()) text += ", provider " + c.provider;
  if (!c.organization.empty()) text += ", organization " + c.organization;
  if (!c.version.empty()) text += ", Kubernetes " + c.version;
  text += ")\n";
  for (const auto& line : federation::health_summary(c)) text += line + "\n";
  if (!health && !c.labels.empty()) {
    text += "labels:";
    for (const auto& [k, v] : c.labels) text += fmt::format(" {}={}", k, v);
    text += "\n";
  }
  co_return mcp::ToolResult::with_structured(std::move(text), json::object{{"cluster", cluster_json(c)}});
}

Task<mcp::ToolResult> resolve_cluster(mcp::ToolContext& ctx, const ToolEnv& env) {
  const auto pattern = std::string(string_or(ctx.args(), "pattern"));
  const auto cc = call_context(ctx);
  auto all = co_await env.federation->list("", 10000, cc);
  if (!all) co_return error_result(all.error());
  const auto r = federation::resolve_pattern(*all, pattern);
  if (r.match) {
    co_return mcp::ToolResult::with_structured(
        fmt::format("{} ({} match; pass cluster: \"{}\" to the k8s_* tools)\n", r.match->qualified(), r.how,
                    r.match->qualified()),
        json::object{{"cluster", r.match->qualified()}, {"match", r.how}, {"candidates", json::array{}}});
  }
  json::array candidates;
  for (const auto* c : r.candidates) candidates.push_back(json::value(c->qualified()));
  if (r.candidates.empty()) {
    co_return mcp::ToolResult::error(
        fmt::format("no workload cluster you may see matches \"{}\" (capi_list_clusters lists them)", clip(pattern)));
  }
  std::string text = fmt::format("\"{}\" matches {} clusters; name one:\n", clip(pattern), r.candidates.size());
  for (const auto* c : r.candidates) text += "  " + c->qualified() + "\n";
  co_return mcp::ToolResult::with_structured(
      std::move(text),
      json::object{{"cluster", nullptr}, {"match", "ambiguous"}, {"candidates", std::move(candidates)}});
}

constexpr std::string_view kNameSchema = R"J({"type":"object","properties":{
  "name":{"type":"string","minLength":1,"maxLength":317,"description":"Workload cluster: namespace/name, or a name used in one namespace only"}},
  "required":["name"],"additionalProperties":false})J";

constexpr std::string_view kClusterSchema =
    R"J({"type":"object","properties":{"cluster":{"type":"object"}},"required":["cluster"]})J";

}  // namespace

void add_capi_tools(mcp::Server& server, ToolEnv& env) {
  if (!env.federation) return;
  server.add_tool({
      .name = "capi_list_clusters",
      .title = "List workload clusters",
      .description = "The Cluster API workload clusters you may see on the management cluster, with their health at a "
                     "glance (status, control plane and worker replicas ready/desired). Filters: organization, "
                     "provider (aws, azure, vsphere ...), status (Ready, Provisioning, NotReady, Deleting, Failed, "
                     "Paused), readyOnly, labelSelector.",
      .input_schema = schema(R"J({"type":"object","properties":{
          "organization":{"type":"string","maxLength":253},
          "provider":{"type":"string","maxLength":253},
          "status":{"type":"string","maxLength":64},
          "readyOnly":{"type":"boolean","default":false},
          "labelSelector":{"type":"string","maxLength":4096,"description":"e.g. release.giantswarm.io/version=29.1.0"},
          "limit":{"type":"integer","minimum":1,"maximum":1000,"default":100}},
          "additionalProperties":false})J"),
      .output_schema = schema(R"J({"type":"object","properties":{"clusters":{"type":"array","items":{"type":"object"}},
          "total":{"type":"integer"}},"required":["clusters","total"]})J"),
      .annotations = read_only(),
      .operation = "capi_list",
      .handler = [&env](mcp::ToolContext& ctx) { return list_clusters(ctx, env); },
  });
  server.add_tool({
      .name = "capi_get_cluster",
      .title = "Get a workload cluster",
      .description =
          "One workload cluster: status, provider, organization, Kubernetes version, API endpoint, replicas, "
          "the conditions that are not fine, and its labels.",
      .input_schema = schema(kNameSchema),
      .output_schema = schema(kClusterSchema),
      .annotations = read_only(),
      .operation = "capi_get",
      .handler = [&env](mcp::ToolContext& ctx) { return get_cluster(ctx, env, false); },
  });
  server.add_tool({
      .name = "capi_resolve_cluster",
      .title = "Find a workload cluster by name",
      .description = "Which workload cluster a name means: an exact name wins, else a unique case-insensitive "
                     "substring, else the candidates to choose from. Returns the namespace/name to pass as cluster.",
      .input_schema = schema(R"J({"type":"object","properties":{
          "pattern":{"type":"string","minLength":1,"maxLength":317}},"required":["pattern"],"additionalProperties":false})J"),
      .output_schema = schema(R"J({"type":"object","properties":{"cluster":{"type":["string","null"]},
          "match":{"type":"string"},"candidates":{"type":"array","items":{"type":"string"}}},
          "required":["cluster","match","candidates"]})J"),
      .annotations = read_only(),
      .operation = "capi_resolve",
      .handler = [&env](mcp::ToolContext& ctx) { return resolve_cluster(ctx, env); },
  });
  server.add_tool({
      .name = "capi_cluster_health",
      .title = "Workload cluster health",
      .description = "The health of one workload cluster from Cluster API: control plane, infrastructure, workers, and "
                     "every condition that is not fine with its reason and message.",
      .input_schema = schema(kNameSchema),
      .output_schema = schema(kClusterSchema),
      .annotations = read_only(),
      .operation = "capi_health",
      .handler = [&env](mcp::ToolContext& ctx) { return get_cluster(ctx, env, true); },
  });
}

}  // namespace mcpk::tools
