// Cluster information (SPEC §1.4): k8s_get_api_resources and k8s_get_cluster_health.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <charconv>

#include "core/base64.hpp"
#include "tools/env.hpp"
#include "tools/render.hpp"

namespace mcpk::tools {
namespace {

mcp::ToolAnnotations read_only() {
  return {.read_only = true, .destructive = false, .idempotent = true, .open_world = true};
}

Task<mcp::ToolResult> api_resources(mcp::ToolContext& ctx, const ToolEnv&, KubeCall& call) {
  const auto& client = call.target.client;
  const auto& cc = call.cc;
  auto all = co_await client->api_resources(cc, true);
  if (!all) co_return error_result(all.error());
  const auto& a = ctx.args();
  std::string group(string_or(a, "apiGroup"));
  std::string version;
  if (auto slash = group.find('/'); slash != std::string::npos) version = group.substr(slash + 1), group.resize(slash);
  if (group == "core") group.clear();
  const bool group_given = find(a, "apiGroup") != nullptr;
  const auto namespaced = find_bool(a, "namespaced");
  std::vector<std::string> verbs;
  if (const auto* vs = find_array(a, "verbs")) {
    for (const auto& v : *vs) verbs.emplace_back(v.as_string());
  }
  std::vector<const kube::ApiResource*> rows;
  for (const auto& r : **all) {
    if (group_given && r.group != group) continue;
    if (!version.empty() && r.version != version) continue;
    if (version.empty() && !r.preferred) continue;  // like kubectl api-resources: preferred versions
    if (namespaced && r.namespaced != *namespaced) continue;
    if (!std::ranges::all_of(verbs, [&](const auto& v) { return r.has_verb(v); })) continue;
    rows.push_back(&r);
  }
  std::ranges::stable_sort(
      rows, [](auto* x, auto* y) { return std::tie(x->group, x->resource) < std::tie(y->group, y->resource); });
  std::size_t offset = 0;
  if (auto c = string_or(a, "continue"); !c.empty()) {
    auto raw = base64_decode(c);
    if (!raw || !raw->starts_with("offset:")) co_return mcp::ToolResult::error("invalid continue token");
    const std::string_view digits = std::string_view(*raw).substr(7);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
    if (ec != std::errc{} || p != digits.data() + digits.size() || offset > rows.size()) {
      co_return mcp::ToolResult::error("invalid continue token: pass the continue value of the previous answer");
    }
  }
  const auto limit = static_cast<std::size_t>(find_int(a, "limit").value_or(500));
  const auto end = offset + std::min(rows.size() - offset, limit);
  std::vector<std::vector<std::string>> table{{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS"}};
  json::array items;
  for (std::size_t i = offset; i < end; ++i) {
    const auto* r = rows[i];
    table.push_back({r->resource, fmt::format("{}", fmt::join(r->short_names, ",")), r->group_version(),
                     r->namespaced ? "true" : "false", r->kind, fmt::format("{}", fmt::join(r->verbs, ","))});
    json::array verbs_json, short_json;
    for (const auto& v : r->verbs) verbs_json.push_back(json::string(v));
    for (const auto& s : r->short_names) short_json.push_back(json::string(s));
    items.push_back(json::object{{"name", r->resource},
                                 {"shortNames", std::move(short_json)},
                                 {"kind", r->kind},
                                 {"groupVersion", r->group_version()},
                                 {"namespaced", r->namespaced},
                                 {"verbs", std::move(verbs_json)}});
  }
  std::string text = align_columns(table);
  std::string next;
  if (end < rows.size()) {
    next = base64_encode(fmt::format("offset:{}", end));
    text += fmt::format("{} of {} resource types; more: continue=\"{}\"\n", end - offset, rows.size(), next);
  } else {
    text += fmt::format("{} resource types\n", end - offset);
  }
  co_return mcp::ToolResult::with_structured(
      std::move(text), json::object{{"resources", std::move(items)},
                                    {"continue", next.empty() ? json::value(nullptr) : json::value(next)}});
}

// Runs /readyz or /livez?verbose and returns (ok, failed check names).
Task<std::pair<bool, std::vector<std::string>>> probe(kube::Client& client, std::string path,
                                                      const kube::CallContext& cc, std::string& error) {
  kube::HttpRequest req;
  req.target = path + "?verbose";
  req.accept = "text/plain";
  auto r = co_await client.transport().send(std::move(req), cc);
  if (!r) {
    error = r.error().message;
    co_return std::pair{false, std::vector<std::string>{}};
  }
  std::vector<std::string> failed;
  std::string_view body = r->body;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto nl = body.find('\n', pos);
    auto line = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line.starts_with("[-]")) failed.emplace_back(line.substr(3, line.find(' ', 3) - 3));
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (r->status == 401 || r->status == 403) {
    error = fmt::format("{} refused ({}): the credentials cannot read health endpoints", path, r->status);
    co_return std::pair{false, failed};
  }
  co_return std::pair{r->status == 200, failed};
}

Task<mcp::ToolResult> cluster_health(mcp::ToolContext& ctx, const ToolEnv&, KubeCall& call) {
  const auto& client = call.target.client;
  const auto& cc = call.cc;
  auto& c = *client;
  std::vector<std::string> problems;
  json::object out;

  const std::string version_path = "/version";
  auto version = co_await c.get_json(version_path, cc);
  if (!version) {
    const auto msg = version.error().message;
    co_return mcp::ToolResult::with_structured(
        fmt::format("Verdict: Unhealthy\n- API server not reachable or not answering: {}\n", msg),
        json::object{{"verdict", "Unhealthy"}, {"reasons", json::array{json::value(msg)}}});
  }
  const std::string git_version(string_or(version->as_object(), "gitVersion"));
  out["version"] = git_version;

  std::string ready_err, live_err;
  const std::string readyz = "/readyz", livez = "/livez";
  auto [ready, ready_failed] = co_await probe(c, readyz, cc, ready_err);
  auto [live, live_failed] = co_await probe(c, livez, cc, live_err);
  bool unhealthy = false;
  if (!ready) {
    problems.push_back(ready_err.empty() ? fmt::format("/readyz failing: {}", fmt::join(ready_failed, ", "))
                                         : ready_err);
    unhealthy = ready_err.empty();
  }
  if (!live) {
    problems.push_back(live_err.empty() ? fmt::format("/livez failing: {}", fmt::join(live_failed, ", ")) : live_err);
    unhealthy = unhealthy || live_err.empty();
  }
  out["readyz"] = ready;
  out["livez"] = live;

  std::string node_text;
  json::array nodes_json;
  if (find_bool(ctx.args(), "includeNodes").value_or(true)) {
    const auto limit = find_int(ctx.args(), "nodesLimit").value_or(50);
    const auto nodes_path = fmt::format("/api/v1/nodes?limit={}", limit);
    auto nodes = co_await c.get_json(nodes_path, cc);
    if (!nodes) {
      problems.push_back("nodes could not be read: " + nodes.error().message);
    } else {
      int total = 0, ready_nodes = 0;
      for (const auto& n : array_at(find(nodes->as_object(), "items"))) {
        ++total;
        const std::string name = [&] {
          const auto* v = find_path(n, {"metadata", "name"});
          return v && v->is_string() ? std::string(v->get_string()) : std::string();
        }();
        bool is_ready = false;
        std::vector<std::string> pressure;
        const auto* conds = find_path(n, {"status", "conditions"});
        for (const auto& cv : array_at(conds)) {
          const auto* co = cv.if_object();
          if (!co) continue;
          const auto type = string_or(*co, "type");
          const bool is_true = string_or(*co, "status") == "True";
          if (type == "Ready")
            is_ready = is_true;
          else if (is_true)
            pressure.emplace_back(type);
        }
        const bool unschedulable = find_path(n, {"spec", "unschedulable"}) &&
                                   find_path(n, {"spec", "unschedulable"})->is_bool() &&
                                   find_path(n, {"spec", "unschedulable"})->get_bool();
        if (is_ready) ++ready_nodes;
        if (!is_ready) problems.push_back(fmt::format("node {} is not Ready", name));
        if (!pressure.empty()) problems.push_back(fmt::format("node {} has {}", name, fmt::join(pressure, ", ")));
        node_text += fmt::format("  {}: {}{}{}\n", name, is_ready ? "Ready" : "NotReady",
                                 pressure.empty() ? "" : fmt::format(" ({})", fmt::join(pressure, ", ")),
                                 unschedulable ? ", SchedulingDisabled" : "");
        json::array p;
        for (const auto& x : pressure) p.push_back(json::string(x));
        nodes_json.push_back(json::object{{"name", name}, {"ready", is_ready}, {"conditions", std::move(p)}});
      }
      if (total == 0) problems.push_back("the cluster has no nodes");
      const auto* meta = find_object(nodes->as_object(), "metadata");
      const bool more = meta && !string_or(*meta, "continue").empty();
      node_text = fmt::format("Nodes: {}/{} Ready{}\n", ready_nodes, total,
                              more ? " (first page only: raise nodesLimit)" : "") +
                  node_text;
      out["nodes"] = std::move(nodes_json);
    }
  }
  const std::string verdict = unhealthy ? "Unhealthy" : problems.empty() ? "Healthy" : "Degraded";
  json::array reasons;
  for (const auto& p : problems) reasons.push_back(json::string(p));
  out["verdict"] = verdict;
  out["reasons"] = std::move(reasons);
  std::string text = fmt::format("Verdict: {}\nServer version: {}\n/readyz: {}   /livez: {}\n", verdict, git_version,
                                 ready ? "ok" : "failing", live ? "ok" : "failing");
  text += node_text;
  for (const auto& p : problems) text += "- " + p + "\n";
  co_return mcp::ToolResult::with_structured(std::move(text), std::move(out));
}

}  // namespace

void add_cluster_tools(mcp::Server& server, ToolEnv& env) {
  add_kube_tool(server, env, Targets::cluster,
                {.name = "k8s_get_api_resources",
                 .title = "List API resource types",
                 .description = "The resource types the API server offers (from discovery): name, short names, kind, "
                                "group/version, namespaced, verbs. Filter by apiGroup, namespaced or verbs.",
                 .input_schema = schema(R"J({"type":"object","properties":{
          "apiGroup":{"type":"string","description":"Only this group (apps, apps/v1, core)"},
          "namespaced":{"type":"boolean"},
          "verbs":{"type":"array","items":{"type":"string","enum":["get","list","watch","create","update","patch","delete","deletecollection"]}},
          "limit":{"type":"integer","minimum":1,"maximum":1000,"default":500},
          "continue":{"type":"string"}},"additionalProperties":false})J"),
                 .output_schema = std::nullopt,
                 .annotations = read_only(),
                 .operation = "api-resources",
                 .handler = nullptr},
                [&env](mcp::ToolContext& ctx, KubeCall& call) { return api_resources(ctx, env, call); });
  add_kube_tool(
      server, env, Targets::cluster,
      {.name = "k8s_get_cluster_health",
       .title = "Cluster health",
       .description = "Server version, /readyz and /livez checks, node readiness and pressure conditions, and an "
                      "overall Healthy/Degraded/Unhealthy verdict with reasons.",
       .input_schema = schema(R"J({"type":"object","properties":{
          "includeNodes":{"type":"boolean","default":true},
          "nodesLimit":{"type":"integer","minimum":1,"maximum":1000,"default":50}},"additionalProperties":false})J"),
       .output_schema = std::nullopt,
       .annotations = read_only(),
       .operation = "health",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return cluster_health(ctx, env, call); });
}

}  // namespace mcpk::tools
