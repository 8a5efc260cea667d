// Running commands in pods (SPEC §1.2): k8s_exec_pod over the WebSocket exec protocol, with
// the real exit code. Mutating: listed only without --non-destructive, never under --dry-run.
#include <fmt/format.h>
#include <algorithm>

#include "kube/exec.hpp"
#include "tools/env.hpp"

namespace mcpk::tools {
namespace {

Task<mcp::ToolResult> exec_pod(mcp::ToolContext& ctx, const ToolEnv& env, KubeCall& call) {
  const auto& client = call.target.client;
  auto& c = *client;
  const auto& a = ctx.args();
  const auto& cc = call.cc;
  kube::ExecRequest rq;
  rq.ns = call.target.ns;
  rq.pod = std::string(string_or(a, "podName"));
  for (const auto& v : *find_array(a, "command")) rq.command.emplace_back(v.as_string());
  if (rq.command.front().empty()) co_return mcp::ToolResult::error("command[0] (the program) must not be empty");
  if (const auto* s = find_string(a, "stdin")) rq.stdin_data = std::string(*s);
  rq.timeout = std::chrono::seconds(find_int(a, "timeoutSeconds").value_or(30));
  rq.max_output = std::max<std::size_t>(1024, env.settings->max_response_bytes / 2 - 512);
  rq.container = std::string(string_or(a, "container"));
  std::string note;
  if (rq.container.empty()) {
    auto picked = co_await default_container(c, rq.ns, rq.pod, cc);
    if (!picked) co_return error_result(picked.error());
    rq.container = picked->first;
    note = picked->second;
  }
  auto r = co_await kube::exec(c, rq, cc);
  if (!r) co_return error_result(r.error());
  std::string head;
  if (r->timed_out) {
    head = r->stoppable ? fmt::format(
                              "timed out after {}s (timeoutSeconds): the command was stopped (SIGTERM, then SIGKILL "
                              "after 2s); processes it started in the background may remain",
                              rq.timeout.count() / 1000)
                        : fmt::format(
                              "timed out after {}s (timeoutSeconds): the exec stream was closed, but the container has "
                              "no sh to stop the command with, so it may still be running",
                              rq.timeout.count() / 1000);
  } else if (!r->failure.empty()) {
    head = "the command could not run: " + r->failure;
  } else {
    head = fmt::format("exit code {}", r->exit_code);
  }
  std::string text = note + head + "\n";
  if (!r->out.empty()) text += "--- stdout ---\n" + r->out + (r->out.ends_with('\n') ? "" : "\n");
  if (!r->err.empty()) text += "--- stderr ---\n" + r->err + (r->err.ends_with('\n') ? "" : "\n");
  if (r->truncated) text += fmt::format("[output cut at {} bytes per stream]\n", rq.max_output);
  json::object structured{{"stdout", r->out},
                          {"stderr", r->err},
                          {"exitCode", r->exit_code},
                          {"timedOut", r->timed_out},
                          {"container", rq.container}};
  auto result = mcp::ToolResult::with_structured(std::move(text), std::move(structured));
  result.is_error = r->timed_out || !r->failure.empty();
  co_return result;
}

}  // namespace

void add_exec_tools(mcp::Server& server, ToolEnv& env) {
  add_kube_tool(
      server, env, Targets::pods,
      {.name = "k8s_exec_pod",
       .title = "Run a command in a pod",
       .description = "Runs a command (no shell unless you call one) in a container and returns stdout, stderr and "
                      "the real exit code. stdin is passed to the command. After timeoutSeconds the command is "
                      "stopped (SIGTERM, then SIGKILL) and the call reports timedOut.",
       .input_schema = schema(R"J({"type":"object","properties":{
          "podName":{"type":"string","minLength":1},
          "command":{"type":"array","items":{"type":"string","maxLength":65536},"minItems":1,"maxItems":1024,"description":"e.g. [\"ls\",\"-l\",\"/\"]"},
          "namespace":{"type":"string"},
          "container":{"type":"string"},
          "stdin":{"type":"string","maxLength":1048576},
          "timeoutSeconds":{"type":"integer","minimum":1,"maximum":300,"default":30}},
          "required":["podName","command"],"additionalProperties":false})J"),
       .output_schema = schema(R"J({"type":"object","properties":{"stdout":{"type":"string"},"stderr":{"type":"string"},
          "exitCode":{"type":"integer"},"timedOut":{"type":"boolean"},"container":{"type":"string"}},
          "required":["stdout","stderr","exitCode","timedOut"]})J"),
       .annotations = {.read_only = false, .destructive = true, .idempotent = false, .open_world = true},
       .operation = "exec",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return exec_pod(ctx, env, call); });
}

}  // namespace mcpk::tools
