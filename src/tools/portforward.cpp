// Port forwarding (SPEC §1.2): to a pod, or to a service's ready backing pod (EndpointSlices).
// Sessions belong to the MCP session that opened them and end with it.
#include <fmt/format.h>
#include <charconv>
#include <map>

#include "kube/portforward.hpp"
#include "tools/env.hpp"

namespace mcpk::tools {
namespace {

struct Forward {
  std::shared_ptr<kube::PortForward> pf;
  std::string target;  // pod/ns/name or service/ns/name → pod
};

struct Forwards {
  std::map<std::string, Forward> by_id;
  int next = 1;
};

std::shared_ptr<Forwards> forwards(mcp::ToolContext& ctx) {
  return ctx.session().attachment<Forwards>("kube.port-forwards", [] { return std::make_shared<Forwards>(); });
}

Result<std::uint16_t> port_number(std::string_view s, std::string_view what, unsigned min) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < min || v > 65535) {
    return fail(Errc::invalid_argument, fmt::format("{} port \"{}\" is not a number from {} to 65535", what, s, min));
  }
  return static_cast<std::uint16_t>(v);
}

// "8080:80" → 8080→80, ":80" or "0:80" → any free port→80, "9090" → 9090→9090 (kubectl's forms).
Result<std::vector<std::pair<std::uint16_t, std::string>>> parse_ports(const json::array& specs) {
  std::vector<std::pair<std::uint16_t, std::string>> out;
  for (const auto& v : specs) {
    std::string_view s = v.as_string();
    const auto colon = s.find(':');
    std::string_view local = colon == std::string_view::npos ? s : s.substr(0, colon);
    std::string_view remote = colon == std::string_view::npos ? s : s.substr(colon + 1);
    if (remote.empty()) return fail(Errc::invalid_argument, fmt::format("port \"{}\" names no remote port", s));
    std::uint16_t l = 0;
    if (!local.empty()) {
      auto p = port_number(local, "local", 0);
      if (!p) return std::unexpected(p.error());
      l = *p;
    }
    out.emplace_back(l, std::string(remote));
  }
  return out;
}

mcp::ToolResult started(mcp::ToolContext& ctx, std::shared_ptr<kube::PortForward> pf, std::string target,
                        const std::string& address) {
  auto fw = forwards(ctx);
  const auto id = fmt::format("pf-{}", fw->next++);
  json::array ports;
  std::string text = fmt::format("Port-forward {} to {}:\n", id, target);
  for (const auto& p : pf->ports()) {
    ports.push_back(json::object{{"local", p.local}, {"remote", p.remote}});
    text += fmt::format("  {}:{} -> {}\n", address, p.local, p.remote);
  }
  text += "It stays open until k8s_stop_port_forward or the end of this MCP session.\n";
  fw->by_id.emplace(id, Forward{std::move(pf), std::move(target)});
  return mcp::ToolResult::with_structured(std::move(text),
                                          json::object{{"sessionId", id}, {"ports", std::move(ports)}});
}

Task<mcp::ToolResult> forward_pod(mcp::ToolContext& ctx, const ToolEnv&, KubeCall& call) {
  const auto& client = call.target.client;
  const auto& a = ctx.args();
  const auto& ns = call.target.ns;
  const std::string pod(string_or(a, "podName"));
  const auto& pods = call.target.resource;
  auto specs = parse_ports(*find_array(a, "ports"));
  if (!specs) co_return error_result(specs.error());
  const auto& cc = call.cc;
  const auto path = kube::resource_path(pods, ns, pod);
  auto obj = co_await client->get_json(path, cc);
  if (!obj) co_return error_result(obj.error());
  const auto* phase = find_path(*obj, {"status", "phase"});
  if (!phase || !phase->is_string() || phase->get_string() != "Running") {
    co_return mcp::ToolResult::error(fmt::format("pod {}/{} is not Running", ns, pod));
  }
  std::vector<kube::ForwardedPort> ports;
  for (const auto& [local, remote] : *specs) {
    auto r = port_number(remote, "remote", 1);
    if (!r) co_return error_result(r.error());
    ports.push_back({local, *r});
  }
  const std::string address(string_or(a, "address", "127.0.0.1"));
  auto pf = kube::PortForward::start(client, ctx.scope(), ns, pod, address, ports);
  if (!pf) co_return error_result(pf.error());
  co_return started(ctx, std::move(*pf), fmt::format("pod {}/{}", ns, pod), address);
}

// Service port → target port → a ready endpoint pod, from the service's EndpointSlices.
Task<mcp::ToolResult> forward_service(mcp::ToolContext& ctx, const ToolEnv&, KubeCall& call) {
  const auto& client = call.target.client;
  const auto& a = ctx.args();
  const auto& ns = call.target.ns;
  const std::string svc_name(string_or(a, "serviceName"));
  const auto& services = call.target.resource;
  auto specs = parse_ports(*find_array(a, "ports"));
  if (!specs) co_return error_result(specs.error());
  const auto& cc = call.cc;
  const auto svc_path = kube::resource_path(services, ns, svc_name);
  auto svc = co_await client->get_json(svc_path, cc);
  if (!svc) co_return error_result(svc.error());
  auto slices_res = kube::known_resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true);
  const auto slices_path = kube::resource_path(slices_res, ns) +
                           kube::query_string({{"labelSelector", "kubernetes.io/service-name=" + svc_name}});
  auto slices = co_await client->get_json(slices_path, cc);
  if (!slices) co_return error_result(slices.error());

  const auto* svc_ports = find_path(*svc, {"spec", "ports"});
  std::string pod;
  std::vector<kube::ForwardedPort> ports;
  for (const auto& [local, remote] : *specs) {
    // The service port, by number or name.
    const json::object* sp = nullptr;
    for (const auto& p : array_at(svc_ports)) {
      if (!p.is_object()) continue;
      const auto& po = p.get_object();
      if (std::to_string(find_int(po, "port").value_or(-1)) == remote || string_or(po, "name") == remote) sp = &po;
    }
    if (!sp) co_return mcp::ToolResult::error(fmt::format("service {}/{} has no port \"{}\"", ns, svc_name, remote));
    const std::string port_name(string_or(*sp, "name"));
    std::optional<std::int64_t> target = find_int(*sp, "targetPort");
    if (!target && !find(*sp, "targetPort")) target = find_int(*sp, "port");
    // Pick a ready endpoint with a pod behind it; a named targetPort resolves through the slice's ports.
    for (const auto& sv : array_at(find(slices->as_object(), "items"))) {
      const auto* eps = find_path(sv, {"endpoints"});
      const auto* slice_ports = find_path(sv, {"ports"});
      std::optional<std::int64_t> slice_port;
      for (const auto& p : array_at(slice_ports)) {
        if (p.is_object() && string_or(p.get_object(), "name") == port_name)
          slice_port = find_int(p.get_object(), "port");
      }
      for (const auto& e : array_at(eps)) {
        const auto* ready = find_path(e, {"conditions", "ready"});
        const auto* ref = find_path(e, {"targetRef"});
        if ((ready && ready->is_bool() && !ready->get_bool()) || !ref || !ref->is_object() ||
            string_or(ref->get_object(), "kind") != "Pod") {
          continue;
        }
        if (pod.empty()) pod = std::string(string_or(ref->get_object(), "name"));
        if (!target && slice_port) target = slice_port;
      }
    }
    if (pod.empty())
      co_return mcp::ToolResult::error(fmt::format("service {}/{} has no ready endpoint pod", ns, svc_name));
    if (!target)
      co_return mcp::ToolResult::error(
          fmt::format("cannot resolve the target port of {}/{} port {}", ns, svc_name, remote));
    ports.push_back({local, static_cast<std::uint16_t>(*target)});
  }
  const std::string address(string_or(a, "address", "127.0.0.1"));
  auto pf = kube::PortForward::start(client, ctx.scope(), ns, pod, address, ports);
  if (!pf) co_return error_result(pf.error());
  co_return started(ctx, std::move(*pf), fmt::format("service {}/{} (pod {})", ns, svc_name, pod), address);
}

Task<mcp::ToolResult> list_forwards(mcp::ToolContext& ctx, const ToolEnv&) {
  auto fw = forwards(ctx);
  json::array list;
  std::string text;
  for (const auto& [id, f] : fw->by_id) {
    json::array ports;
    std::string pt;
    for (const auto& p : f.pf->ports()) {
      ports.push_back(json::object{{"local", p.local}, {"remote", p.remote}});
      pt += fmt::format(" {}->{}", p.local, p.remote);
    }
    text += fmt::format("{}: {} ports{}; {} connections, {} bytes in, {} bytes out{}\n", id, f.target, pt,
                        f.pf->connections(), f.pf->bytes_in(), f.pf->bytes_out(),
                        f.pf->last_error().empty() ? "" : "; last error: " + f.pf->last_error());
    list.push_back(json::object{{"sessionId", id},
                                {"target", f.target},
                                {"ports", std::move(ports)},
                                {"connections", f.pf->connections()},
                                {"bytesIn", f.pf->bytes_in()},
                                {"bytesOut", f.pf->bytes_out()}});
  }
  if (text.empty()) text = "No port-forwards in this session.\n";
  co_return mcp::ToolResult::with_structured(std::move(text), json::object{{"sessions", std::move(list)}});
}

Task<mcp::ToolResult> stop_forward(mcp::ToolContext& ctx, const ToolEnv&) {
  auto fw = forwards(ctx);
  const std::string id(string_or(ctx.args(), "sessionId"));
  if (id.empty()) {
    const auto n = fw->by_id.size();
    for (auto& [_, f] : fw->by_id) f.pf->close();
    fw->by_id.clear();
    co_return mcp::ToolResult::text(fmt::format("Stopped {} port-forward(s).", n));
  }
  auto it = fw->by_id.find(id);
  if (it == fw->by_id.end())
    co_return mcp::ToolResult::error(fmt::format("no port-forward \"{}\" in this session", id));
  it->second.pf->close();
  fw->by_id.erase(it);
  co_return mcp::ToolResult::text(fmt::format("Stopped {}.", id));
}

constexpr std::string_view kPorts = R"J("ports":{"type":"array","minItems":1,"maxItems":16,
  "items":{"type":"string","pattern":"^[0-9]*:?[0-9A-Za-z-]+$"},
  "description":"LOCAL:REMOTE pairs; LOCAL 0 or omitted (\":80\") = any free port; \"9090\" = 9090:9090"},
  "address":{"type":"string","default":"127.0.0.1","description":"Local address to listen on"},
  "namespace":{"type":"string"})J";

}  // namespace

void add_port_forward_tools(mcp::Server& server, ToolEnv& env) {
  const mcp::ToolAnnotations opens{.read_only = false, .destructive = false, .idempotent = false, .open_world = true};
  const mcp::ToolAnnotations local{.read_only = true, .destructive = false, .idempotent = true, .open_world = false};
  auto out = schema(R"J({"type":"object","properties":{"sessionId":{"type":"string"},"ports":{"type":"array",
      "items":{"type":"object","properties":{"local":{"type":"integer"},"remote":{"type":"integer"}}}}},
      "required":["sessionId","ports"]})J");
  add_kube_tool(
      server, env, Targets::pods,
      {.name = "k8s_port_forward_pod",
       .title = "Forward local ports to a pod",
       .description = "Opens local listeners that tunnel to a pod's ports; returns a session id and the local ports.",
       .input_schema = schema(fmt::format(R"J({{"type":"object","properties":{{
          "podName":{{"type":"string","minLength":1}},{}}},"required":["podName","ports"],"additionalProperties":false}})J",
                                          kPorts)),
       .output_schema = out,
       .annotations = opens,
       .operation = "port-forward",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return forward_pod(ctx, env, call); });
  add_kube_tool(
      server, env, Targets::services,
      {.name = "k8s_port_forward_service",
       .title = "Forward local ports to a service",
       .description = "Resolves the service port to its target port and a ready backing pod (EndpointSlices), then "
                      "forwards like k8s_port_forward_pod.",
       .input_schema = schema(fmt::format(R"J({{"type":"object","properties":{{
          "serviceName":{{"type":"string","minLength":1}},{}}},"required":["serviceName","ports"],"additionalProperties":false}})J",
                                          kPorts)),
       .output_schema = out,
       .annotations = opens,
       .operation = "port-forward",
       .handler = nullptr},
      [&env](mcp::ToolContext& ctx, KubeCall& call) { return forward_service(ctx, env, call); });
  server.add_tool({
      .name = "k8s_list_port_forwards",
      .title = "List port-forwards",
      .description = "This session's port-forwards: ports, target, connections and bytes moved.",
      .input_schema = schema(R"J({"type":"object","properties":{},"additionalProperties":false})J"),
      .output_schema = std::nullopt,
      .annotations = local,
      .operation = "port-forward",
      .handler = [&env](mcp::ToolContext& ctx) { return list_forwards(ctx, env); },
  });
  server.add_tool({
      .name = "k8s_stop_port_forward",
      .title = "Stop port-forwards",
      .description = "Stops one port-forward of this session, or all of them when sessionId is omitted.",
      .input_schema =
          schema(R"J({"type":"object","properties":{"sessionId":{"type":"string"}},"additionalProperties":false})J"),
      .output_schema = std::nullopt,
      .annotations = local,
      .operation = "port-forward",
      .handler = [&env](mcp::ToolContext& ctx) { return stop_forward(ctx, env); },
  });
}

}  // namespace mcpk::tools
