// Reading resources (SPEC §1.1): k8s_get_resource, k8s_list_resources, k8s_describe_resource.
// Types resolve through discovery like kubectl; lists are paged by the API server and kept
// within the response byte budget by asking for fewer items, never by dropping them.
#include <fmt/format.h>
#include <algorithm>
#include <tuple>

#include "core/time.hpp"
#include "tools/env.hpp"
#include "tools/render.hpp"

namespace mcpk::tools {
namespace {

mcp::ToolAnnotations read_only() {
  return {.read_only = true, .destructive = false, .idempotent = true, .open_world = true};
}

constexpr std::string_view kTypeProps = R"J(
  "resourceType":{"type":"string","minLength":1,"description":"Resource type as kubectl takes it: plural, singular, Kind, short name or resource.group (pods, deployment, deploy, deployments.apps, clusters.cluster.x-k8s.io)"},
  "apiGroup":{"type":"string","description":"API group or group/version when the type is ambiguous (apps, apps/v1, core)"},
  "namespace":{"type":"string","description":"Namespace (default: the context's namespace); ignored for cluster-scoped kinds"})J";

std::string with_notes(std::string text, const std::string& notes) {
  return notes.empty() ? text : notes + "\n" + text;
}

// --- get ---------------------------------------------------------------------------------------

Task<mcp::ToolResult> get_resource(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const std::string name(string_or(ctx.args(), "name"));
  if (auto ok = check_name(name); !ok) co_return error_result(ok.error());
  const auto& t = call.target;
  if (!t.resource.has_verb("get")) {
    co_return mcp::ToolResult::error(fmt::format("{} does not support get", t.resource.qualified_name()));
  }
  const auto path = kube::resource_path(t.resource, t.ns, name);
  const auto& cc = call.cc;
  auto obj = co_await t.client->get_json(path, cc);
  if (!obj) co_return error_result(obj.error());
  mask_if_needed(*obj, env, t.resource);
  const auto output = string_or(ctx.args(), "output", "slim");
  if (output == "slim") slim(*obj);
  std::string text = output == "yaml" ? to_yaml(*obj) : compact(*obj);
  if (text.size() > env.settings->max_response_bytes) {
    co_return mcp::ToolResult::error(fmt::format(
        "{} {} is {} bytes, more than the response budget of {} bytes (--max-response-bytes); use output=slim or "
        "k8s_describe_resource",
        t.resource.kind, name, text.size(), env.settings->max_response_bytes));
  }
  co_return mcp::ToolResult::with_structured(with_notes(std::move(text), t.notes),
                                             json::object{{"object", std::move(*obj)}});
}

// --- list --------------------------------------------------------------------------------------

struct Page {
  json::value body;
  std::string text;
  json::array items;  // structured items
  std::string next;   // continue token
  std::optional<std::int64_t> remaining;
  std::size_t count = 0;
};

std::string item_name(const json::value& item) {
  const auto* n = find_path(item, {"metadata", "name"});
  return n && n->is_string() ? std::string(n->get_string()) : std::string();
}
std::string item_namespace(const json::value& item) {
  const auto* n = find_path(item, {"metadata", "namespace"});
  return n && n->is_string() ? std::string(n->get_string()) : std::string();
}

Task<Result<Page>> fetch_page(mcp::ToolContext& ctx, const ToolEnv& env, const Target& t, std::int64_t limit,
                              bool all_ns) {
  const auto& a = ctx.args();
  const auto output = string_or(a, "output", "table");
  const std::string target = kube::resource_path(t.resource, all_ns ? std::string_view{} : std::string_view(t.ns)) +
                             kube::query_string({{"labelSelector", std::string(string_or(a, "labelSelector"))},
                                                 {"fieldSelector", std::string(string_or(a, "fieldSelector"))},
                                                 {"limit", std::to_string(limit)},
                                                 {"continue", std::string(string_or(a, "continue"))}});
  const std::string accept = output == "table" ? std::string(kube::kAcceptTable) : std::string("application/json");
  const auto cc = call_context(ctx);
  auto body = co_await t.client->get_json(target, cc, accept);
  if (!body) co_return std::unexpected(body.error());
  mask_if_needed(*body, env, t.resource);
  Page p;
  const auto* meta = find_path(*body, {"metadata"});
  if (meta && meta->is_object()) {
    p.next = std::string(string_or(meta->get_object(), "continue"));
    p.remaining = find_int(meta->get_object(), "remainingItemCount");
    // The API server may hand out a continue token for a page that happens to end exactly
    // at the last item; with nothing remaining there is no next page to offer.
    if (p.remaining && *p.remaining == 0) p.next.clear();
  }
  const bool namespaced = t.resource.namespaced;
  auto add_item = [&](const json::value& obj, json::value payload) {
    json::object item{{"name", item_name(obj)}};
    if (namespaced) item["namespace"] = item_namespace(obj);
    if (!payload.is_null()) item["object"] = std::move(payload);
    p.items.push_back(std::move(item));
  };
  if (output == "table" && string_or(body->as_object(), "kind") == "Table") {
    const auto* rows = find_array(body->as_object(), "rows");
    p.count = rows ? rows->size() : 0;
    if (rows) {
      for (const auto& r : *rows) {
        const auto* obj = find_path(r, {"object"});
        add_item(obj ? *obj : json::value(nullptr), nullptr);
      }
    }
    p.text = p.count ? render_table(body->as_object(), all_ns && namespaced) : "";
  } else {
    const auto* items = find_array(body->as_object(), "items");
    p.count = items ? items->size() : 0;
    if (items) {
      std::string lines;
      json::array objects;
      for (auto item : *items) {
        if (output == "names") {
          lines += (all_ns && namespaced) ? fmt::format("{}/{}\n", item_namespace(item), item_name(item))
                                          : item_name(item) + "\n";
          add_item(item, nullptr);
          continue;
        }
        if (output == "slim") slim(item);
        add_item(item, item);
        objects.push_back(std::move(item));
      }
      p.text = output == "names" ? lines : compact(objects);
    }
  }
  p.body = std::move(*body);
  co_return p;
}

Task<mcp::ToolResult> list_resources(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const auto& t = call.target;
  if (!t.resource.has_verb("list")) {
    co_return mcp::ToolResult::error(fmt::format("{} does not support list", t.resource.qualified_name()));
  }
  const auto& a = ctx.args();
  const bool all_ns = find_bool(a, "allNamespaces").value_or(false) && t.resource.namespaced;
  std::int64_t limit = find_int(a, "limit").value_or(50);
  const std::size_t budget = env.settings->max_response_bytes > 1024 ? env.settings->max_response_bytes - 1024
                                                                     : env.settings->max_response_bytes;

  ctx.progress(0, 2, "listing " + t.resource.resource);
  auto page = co_await fetch_page(ctx, env, t, limit, all_ns);
  // Over budget: ask the API server for fewer items (from the same continue point), so the
  // continue token it returns is exactly where this answer stops. Nothing is dropped.
  while (page && page->text.size() + compact(page->items).size() > budget && page->count > 1) {
    const double per_item = static_cast<double>(page->text.size() + compact(page->items).size()) / page->count;
    limit = std::max<std::int64_t>(1, std::min<std::int64_t>(static_cast<std::int64_t>(page->count) - 1,
                                                             static_cast<std::int64_t>(budget / per_item * 0.9)));
    page = co_await fetch_page(ctx, env, t, limit, all_ns);
  }
  if (!page) co_return error_result(page.error());
  ctx.progress(1, 2, fmt::format("received {} {}", page->count, t.resource.resource));
  if (page->text.size() > budget) {
    co_return mcp::ToolResult::error(fmt::format(
        "a single {} is larger than the response budget ({} bytes, --max-response-bytes); use output=names or table",
        t.resource.kind, env.settings->max_response_bytes));
  }

  std::string where = !t.resource.namespaced ? ""
                      : all_ns               ? " in all namespaces"
                                             : fmt::format(" in namespace {}", t.ns);
  std::string text;
  if (page->count == 0) {
    text =
        string_or(a, "continue").empty() ? fmt::format("No {} found{}.", t.resource.resource, where) : "No more items.";
  } else {
    text = page->text;
    std::string summary = fmt::format("{} {}{}", page->count, t.resource.resource, where);
    if (!page->next.empty()) {
      summary +=
          fmt::format("; more available{}: call again with continue=\"{}\"",
                      page->remaining ? fmt::format(" ({} remaining)", *page->remaining) : std::string(), page->next);
    }
    text += summary + "\n";
  }
  json::object structured{
      {"items", std::move(page->items)},
      {"continue", page->next.empty() ? json::value(nullptr) : json::value(page->next)},
      {"remainingItemCount", page->remaining ? json::value(*page->remaining) : json::value(nullptr)}};
  co_return mcp::ToolResult::with_structured(with_notes(std::move(text), t.notes), std::move(structured));
}

// --- describe ----------------------------------------------------------------------------------

std::string container_summary(const json::value& pod) {
  const auto* statuses = find_path(pod, {"status", "containerStatuses"});
  if (!statuses || !statuses->is_array()) return {};
  std::string out = "Containers:\n";
  for (const auto& sv : statuses->get_array()) {
    const auto* s = sv.if_object();
    if (!s) continue;
    std::string state = "unknown";
    if (const auto* st = find_object(*s, "state")) {
      if (const auto* r = find_object(*st, "running")) {
        state = fmt::format("Running since {}", string_or(*r, "startedAt"));
      } else if (const auto* w = find_object(*st, "waiting")) {
        state = fmt::format("Waiting ({}{}{})", string_or(*w, "reason"), string_or(*w, "message").empty() ? "" : ": ",
                            string_or(*w, "message"));
      } else if (const auto* x = find_object(*st, "terminated")) {
        state = fmt::format("Terminated ({}, exit code {})", string_or(*x, "reason"),
                            find_int(*x, "exitCode").value_or(-1));
      }
    }
    out += fmt::format("  {}: {}, ready={}, restarts={}\n", string_or(*s, "name"), state,
                       find_bool(*s, "ready").value_or(false), find_int(*s, "restartCount").value_or(0));
    if (const auto* last = find_object(*s, "lastState")) {
      if (const auto* x = find_object(*last, "terminated")) {
        out += fmt::format("    last termination: {} (exit code {}) at {}\n", string_or(*x, "reason"),
                           find_int(*x, "exitCode").value_or(-1), string_or(*x, "finishedAt"));
      }
    }
  }
  return out;
}

std::string events_query(const std::string& uid) {
  return kube::query_string({{"fieldSelector", "involvedObject.uid=" + uid}});
}

std::string object_uid(const json::value& obj) {
  const auto* uid = find_path(obj, {"metadata", "uid"});
  return uid && uid->is_string() ? std::string(uid->get_string()) : std::string();
}

std::string event_time(const json::object& e) {
  for (auto k : {"lastTimestamp", "eventTime", "firstTimestamp"}) {
    if (auto s = string_or(e, k); !s.empty()) return std::string(s);
  }
  if (const auto* m = find_object(e, "metadata")) return std::string(string_or(*m, "creationTimestamp"));
  return std::string();
}

// An EventList as text (newest first, at most `limit`) and as structured events.
std::pair<std::string, json::array> format_events(const json::object& list, std::size_t limit) {
  std::vector<const json::object*> evs;
  if (const auto* items = find_array(list, "items")) {
    for (const auto& e : *items) {
      if (e.is_object()) evs.push_back(&e.get_object());
    }
  }
  std::ranges::stable_sort(evs, [](auto* x, auto* y) { return event_time(*x) > event_time(*y); });
  const auto shown = std::min(evs.size(), limit);
  std::string text = evs.empty() ? std::string("Events: none\n")
                                 : fmt::format("Events ({} of {}, newest first):\n", shown, evs.size());
  json::array out;
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& e = *evs[i];
    const auto count = find_int(e, "count").value_or(1);
    text += fmt::format("  {}  {}  {}{}: {}\n", event_time(e), string_or(e, "type"), string_or(e, "reason"),
                        count > 1 ? fmt::format(" (x{})", count) : std::string(), string_or(e, "message"));
    out.push_back(json::object{{"time", event_time(e)},
                               {"type", string_or(e, "type")},
                               {"reason", string_or(e, "reason")},
                               {"message", string_or(e, "message")},
                               {"count", count}});
  }
  return {std::move(text), std::move(out)};
}

Task<mcp::ToolResult> describe_resource(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const std::string name(string_or(ctx.args(), "name"));
  if (auto ok = check_name(name); !ok) co_return error_result(ok.error());
  const auto& t = call.target;
  const auto& cc = call.cc;
  const auto path = kube::resource_path(t.resource, t.ns, name);
  auto obj = co_await t.client->get_json(path, cc);
  if (!obj) co_return error_result(obj.error());
  mask_if_needed(*obj, env, t.resource);
  const std::string uid_s = object_uid(*obj);
  std::string pods;
  if (string_or(obj->as_object(), "kind") == "Pod") pods = container_summary(*obj);
  slim(*obj);

  // Events about this object (by UID), newest first.
  const auto events_limit = find_int(ctx.args(), "eventsLimit").value_or(20);
  std::string events_text;
  json::array events_json;
  if (!uid_s.empty() && events_limit > 0) {
    const auto ev = kube::known_resource("", "v1", "events", "Event", true);
    const auto ev_ns = t.resource.namespaced ? t.ns : std::string();
    // (Built outside the co_await: g++ 12 miscompiles a braced pair list inside it.)
    const std::string target = kube::resource_path(ev, ev_ns) + events_query(uid_s);
    auto list = co_await t.client->get_json(target, cc);
    if (!list) {
      events_text = fmt::format("Events: could not be read ({})\n", list.error().message);
    } else {
      std::tie(events_text, events_json) = format_events(list->as_object(), static_cast<std::size_t>(events_limit));
    }
  }
  std::string text = to_yaml(*obj);
  if (!pods.empty()) text += pods;
  text += events_text;
  ctx.progress(1, 1);
  if (text.size() > env.settings->max_response_bytes) {
    text.resize(env.settings->max_response_bytes);
    text += fmt::format("\n[cut at the response budget of {} bytes]\n", env.settings->max_response_bytes);
  }
  co_return mcp::ToolResult::with_structured(
      with_notes(std::move(text), t.notes),
      json::object{{"object", std::move(*obj)}, {"events", std::move(events_json)}});
}

}  // namespace

void add_resource_tools(mcp::Server& server, ToolEnv& env) {
  add_kube_tool(
      server, env, Targets::resource_type,
      {.name = "k8s_get_resource",
       .title = "Get a resource",
       .description = "Gets one object by type and name. output: slim (default; noise removed), full (as the API "
                      "returns it, JSON) or yaml. Secret values are masked.",
       .input_schema = schema(fmt::format(R"J({{"type":"object","properties":{{{},
          "name":{{"type":"string","minLength":1,"description":"Object name"}},
          "output":{{"type":"string","enum":["slim","full","yaml"],"default":"slim"}}}},
          "required":["resourceType","name"],"additionalProperties":false}})J",
                                          kTypeProps)),
       .output_schema =
           schema(R"J({"type":"object","properties":{"object":{"type":"object"}},"required":["object"]})J"),
       .annotations = read_only(),
       .operation = "get",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return get_resource(ctx, env, call); });
  add_kube_tool(
      server, env, Targets::resource_type,
      {.name = "k8s_list_resources",
       .title = "List resources",
       .description =
           "Lists objects of a type, paged. output: table (default; kubectl's columns from the API server), names, "
           "slim or full. Returns a continue token when more items exist: pass it as continue to get the next page. "
           "Never drops items: a page that would exceed the response budget comes back smaller, with a continue "
           "token.",
       .input_schema = schema(fmt::format(R"J({{"type":"object","properties":{{{},
          "allNamespaces":{{"type":"boolean","default":false,"description":"List across all namespaces"}},
          "labelSelector":{{"type":"string","description":"e.g. app=web,tier!=db"}},
          "fieldSelector":{{"type":"string","description":"e.g. status.phase=Running"}},
          "limit":{{"type":"integer","minimum":1,"maximum":500,"default":50}},
          "continue":{{"type":"string","description":"continue token of the previous page"}},
          "output":{{"type":"string","enum":["table","names","slim","full"],"default":"table"}}}},
          "required":["resourceType"],"additionalProperties":false}})J",
                                          kTypeProps)),
       .output_schema = schema(R"J({"type":"object","properties":{
          "items":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"namespace":{"type":"string"},"object":{"type":"object"}},"required":["name"]}},
          "continue":{"type":["string","null"]},"remainingItemCount":{"type":["integer","null"]}},
          "required":["items","continue","remainingItemCount"]})J"),
       .annotations = read_only(),
       .operation = "list",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return list_resources(ctx, env, call); },
      [&env](mcp::ToolContext& ctx) { return list_across_clusters(ctx, env); });
  add_kube_tool(server, env, Targets::resource_type,
                {.name = "k8s_describe_resource",
                 .title = "Describe a resource",
                 .description = "One object (slim, as YAML) with the events about it, newest first; for pods also each "
                                "container's state, restarts and last termination.",
                 .input_schema = schema(fmt::format(R"J({{"type":"object","properties":{{{},
          "name":{{"type":"string","minLength":1,"description":"Object name"}},
          "eventsLimit":{{"type":"integer","minimum":0,"maximum":500,"default":20}}}},
          "required":["resourceType","name"],"additionalProperties":false}})J",
                                                    kTypeProps)),
                 .output_schema = std::nullopt,
                 .annotations = read_only(),
                 .operation = "describe",
                 .handler = nullptr},
                [&env](mcp::ToolContext& ctx, KubeCall& call) { return describe_resource(ctx, env, call); });
}

}  // namespace mcpk::tools
