// Fan-out (SPEC §5, beyond the reference): k8s_list_resources over several workload clusters at
// once — `clusters: ["*"]` (every cluster the caller may list) or a list of names. The clusters
// are asked in parallel, at most kFanOutWidth at once, each with the caller's own client; the
// answer is one table with a CLUSTER column, and a cluster that fails (unreachable, refused,
// unknown type) is listed with its error rather than failing the call.
#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/this_coro.hpp>

#include "core/bounded.hpp"
#include "core/text.hpp"
#include "tools/env.hpp"
#include "tools/render.hpp"

namespace mcpk::tools {
namespace {

constexpr std::size_t kFanOutWidth = 8;
constexpr std::size_t kMaxFanOutClusters = 200;

struct ClusterAnswer {
  std::string cluster;
  std::vector<std::vector<std::string>> rows;  // header first
  json::array items;
  bool more = false;  // the cluster has more than `limit` matching objects
  std::optional<Error> error;
};

// One cluster the call names: found (as the caller sees it now), or why not (unknown, ambiguous).
struct Named {
  std::string label;  // "ns/name", or the name as given when it was not found
  std::optional<federation::WorkloadCluster> cluster;
  std::optional<Error> error;
};

Task<Result<std::vector<Named>>> named_clusters(const ToolEnv& env, const json::array& names,
                                                const kube::CallContext& cc) {
  std::vector<Named> out;
  const bool all =
      std::ranges::any_of(names, [](const json::value& v) { return v.is_string() && v.get_string() == "*"; });
  if (all) {
    auto listed = co_await env.federation->list("", kMaxFanOutClusters, cc);
    if (!listed) co_return std::unexpected(listed.error());
    for (auto& c : *listed) out.push_back({c.qualified(), std::move(c), std::nullopt});
    co_return out;
  }
  for (const auto& v : names) {
    const std::string name(v.get_string());
    auto found = co_await env.federation->find(name, cc);
    if (!found) {
      out.push_back({clip(name), std::nullopt, found.error()});  // listed with the others' errors
      continue;
    }
    const auto qualified = found->qualified();
    if (std::ranges::none_of(out, [&](const Named& n) { return n.label == qualified; }))
      out.push_back({qualified, std::move(*found), std::nullopt});
  }
  co_return out;
}

Task<void> list_one(mcp::ToolContext& ctx, const ToolEnv& env, const Named& named, const kube::CallContext& cc,
                    ClusterAnswer& out) {
  out.cluster = named.label;
  if (!named.cluster) {
    out.error = named.error;
    co_return;
  }
  const auto& cluster = *named.cluster;
  const auto& a = ctx.args();
  auto client = co_await env.federation->client_of(cluster, cc);
  if (!client) {
    out.error = client.error();
    co_return;
  }
  auto resolved = co_await (*client)->resolve(string_or(a, "resourceType"), string_or(a, "apiGroup"), cc);
  if (!resolved) {
    out.error = resolved.error();
    co_return;
  }
  const auto& resource = resolved->resource;
  const bool all_ns = find_bool(a, "allNamespaces").value_or(false);
  std::string ns;
  if (resource.namespaced && !all_ns) ns = effective_namespace(ctx, **client);
  if (auto ok = check_target(env, resource, ns); !ok) {
    out.error = ok.error();
    co_return;
  }
  const auto limit = find_int(a, "limit").value_or(50);
  const auto target = kube::resource_path(resource, ns) +
                      kube::query_string({{"labelSelector", std::string(string_or(a, "labelSelector"))},
                                          {"fieldSelector", std::string(string_or(a, "fieldSelector"))},
                                          {"limit", std::to_string(limit)}});
  auto body = co_await (*client)->get_json(target, cc, std::string(kube::kAcceptTable));
  if (!body) {
    out.error = body.error();
    co_return;
  }
  mask_if_needed(*body, env, resource);
  if (!body->is_object() || string_or(body->get_object(), "kind") != "Table") {
    out.error = Error{Errc::unavailable, "the API server did not answer with a Table"};
    co_return;
  }
  const auto& table = body->get_object();
  out.rows = table_rows(table, all_ns && resource.namespaced);
  if (const auto* meta = find_object(table, "metadata")) out.more = !string_or(*meta, "continue").empty();
  if (const auto* rows = find_array(table, "rows")) {
    for (const auto& r : *rows) {
      json::object item{{"cluster", out.cluster}};
      const auto* n = find_path(r, {"object", "metadata", "name"});
      item["name"] = n && n->is_string() ? n->get_string() : "";
      if (resource.namespaced) {
        const auto* s = find_path(r, {"object", "metadata", "namespace"});
        item["namespace"] = s && s->is_string() ? s->get_string() : "";
      }
      out.items.push_back(std::move(item));
    }
  }
}

}  // namespace

Task<mcp::ToolResult> list_across_clusters(mcp::ToolContext& ctx, const ToolEnv& env) {
  const auto& a = ctx.args();
  if (!string_or(a, "cluster").empty() || !string_or(a, "context").empty()) {
    co_return mcp::ToolResult::error("give clusters (several workload clusters) without cluster or context");
  }
  if (!string_or(a, "continue").empty()) {
    co_return mcp::ToolResult::error("continue pages one cluster's list: name that cluster with cluster, not clusters");
  }
  if (auto output = string_or(a, "output", "table"); output != "table") {
    co_return mcp::ToolResult::error("a list across clusters answers as a table (output=table)");
  }
  const auto cc = call_context(ctx);
  auto clusters = co_await named_clusters(env, a.at("clusters").get_array(), cc);
  if (!clusters) co_return error_result(clusters.error());
  if (clusters->empty()) co_return mcp::ToolResult::error("no workload clusters you may see (capi_list_clusters)");
  std::vector<ClusterAnswer> answers(clusters->size());
  std::function<Task<void>(std::size_t)> one = [&](std::size_t i) -> Task<void> {
    const auto& named = clusters->at(i);
    auto& answer = answers.at(i);
    co_await list_one(ctx, env, named, cc, answer);
  };
  const auto executor = co_await net::this_coro::executor;
  co_await for_each_bounded(executor, clusters->size(), kFanOutWidth, one);

  std::vector<std::vector<std::string>> rows;
  json::array items;
  json::array errors;
  std::vector<std::string> notes;
  for (auto& answer : answers) {
    if (answer.error) {
      errors.push_back(json::object{{"cluster", answer.cluster}, {"error", answer.error->message}});
      continue;
    }
    if (answer.rows.empty()) continue;
    if (rows.empty()) {
      rows.push_back(answer.rows.front());
      rows.front().insert(rows.front().begin(), "CLUSTER");
    }
    for (std::size_t r = 1; r < answer.rows.size(); ++r) {
      answer.rows[r].insert(answer.rows[r].begin(), answer.cluster);
      rows.push_back(std::move(answer.rows[r]));
    }
    for (auto& item : answer.items) items.push_back(std::move(item));
    if (answer.more)
      notes.push_back(fmt::format("{} has more: list it alone with cluster and continue", answer.cluster));
  }
  std::string text = rows.size() > 1 ? align_columns(rows) : "No objects found in the clusters that answered.\n";
  const auto budget = env.settings->max_response_bytes;
  if (text.size() > budget) {
    const auto cut = text.rfind('\n', budget);
    text.resize(cut == std::string::npos ? budget : cut + 1);
    text +=
        fmt::format("[cut at the response budget of {} bytes: narrow with labelSelector or fewer clusters]\n", budget);
  }
  for (const auto& n : notes) text += n + "\n";
  for (const auto& e : errors) {
    const auto& o = e.get_object();
    text += fmt::format("error in {}: {}\n", o.at("cluster").get_string(), clip(o.at("error").get_string(), 500));
  }
  co_return mcp::ToolResult::with_structured(std::move(text), json::object{{"items", std::move(items)},
                                                                           {"continue", nullptr},
                                                                           {"remainingItemCount", nullptr},
                                                                           {"errors", std::move(errors)}});
}

}  // namespace mcpk::tools
