// Pod logs (SPEC §1.2): k8s_get_pod_logs.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/time.hpp"
#include "kube/resource.hpp"
#include "tools/env.hpp"

namespace mcpk::tools {
namespace {

Task<mcp::ToolResult> pod_logs(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const auto& client = call.target.client;
  auto& c = *client;
  const auto& a = ctx.args();
  const auto& cc = call.cc;
  const std::string pod(string_or(a, "podName"));
  const std::string ns = call.target.ns;
  const auto& pods = pods_resource();
  if (auto since = string_or(a, "sinceTime"); !since.empty() && !parse_rfc3339(since)) {
    co_return mcp::ToolResult::error(
        fmt::format("sinceTime \"{}\" is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)", since));
  }
  if (find(a, "sinceTime") && find(a, "sinceSeconds")) {
    co_return mcp::ToolResult::error("give sinceSeconds or sinceTime, not both");
  }

  std::string container(string_or(a, "container"));
  std::string note;
  if (container.empty()) {
    auto picked = co_await default_container(c, ns, pod, cc);
    if (!picked) co_return error_result(picked.error());
    container = picked->first;
    note = picked->second;
  }
  const auto budget = static_cast<std::int64_t>(env.settings->max_response_bytes);
  const auto limit_bytes = std::min<std::int64_t>(find_int(a, "limitBytes").value_or(65536), budget - 512);
  auto bool_param = [&](std::string_view k) {
    return find_bool(a, k).value_or(false) ? std::string("true") : std::string();
  };
  auto int_param = [&](std::string_view k) {
    auto v = find_int(a, k);
    return v ? std::to_string(*v) : std::string();
  };
  kube::RequestOptions opts;
  opts.subresource = "log";
  opts.accept = "text/plain, */*";
  opts.params = {{"container", container},
                 {"previous", bool_param("previous")},
                 {"tailLines", int_param("tailLines")},
                 {"sinceSeconds", int_param("sinceSeconds")},
                 {"sinceTime", std::string(string_or(a, "sinceTime"))},
                 {"timestamps", bool_param("timestamps")},
                 {"limitBytes", std::to_string(limit_bytes)}};
  kube::ResourceClient rc(c, pods, ns);
  auto r = co_await rc.get_text(pod, std::move(opts), cc);
  if (!r) co_return error_result(r.error());
  std::string text = note + *r;
  if (static_cast<std::int64_t>(r->size()) >= limit_bytes) {
    text += fmt::format(
        "\n[log cut at {} bytes (limitBytes / --max-response-bytes); use tailLines, sinceSeconds or "
        "sinceTime for other parts]\n",
        limit_bytes);
  }
  if (r->empty()) text += fmt::format("(no log lines for container \"{}\" of pod {}/{})\n", container, ns, pod);
  co_return mcp::ToolResult::text(std::move(text));
}

}  // namespace

void add_log_tools(mcp::Server& server, ToolEnv& env) {
  add_kube_tool(
      server, env, Targets::pods,
      {.name = "k8s_get_pod_logs",
       .title = "Get pod logs",
       .description = "Log text of one container of a pod (the default container when the pod has several; the "
                      "answer says which). previous=true gives the last terminated instance.",
       .input_schema = schema(R"J({"type":"object","properties":{
          "podName":{"type":"string","minLength":1},
          "namespace":{"type":"string","description":"Namespace (default: the context's namespace)"},
          "container":{"type":"string"},
          "previous":{"type":"boolean","default":false},
          "tailLines":{"type":"integer","minimum":1,"maximum":10000,"default":100},
          "sinceSeconds":{"type":"integer","minimum":1},
          "sinceTime":{"type":"string","description":"RFC 3339, e.g. 2026-01-02T15:04:05Z"},
          "timestamps":{"type":"boolean","default":false},
          "limitBytes":{"type":"integer","minimum":1,"default":65536}},
          "required":["podName"],"additionalProperties":false})J"),
       .output_schema = std::nullopt,
       .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = true},
       .operation = "logs",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return pod_logs(ctx, env, call); });
}

}  // namespace mcpk::tools
