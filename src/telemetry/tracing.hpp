/// @file
/// @brief Tracing adapters onto the seams of the house, as `instrument.hpp` is for metrics:
/// a SERVER span per HTTP request (router middleware), a span per MCP request (the session's
/// request middleware: `tools/call {tool}` and the MCP semantic conventions), and a CLIENT span
/// per Kubernetes API request or stream upgrade (a kube TransportObserver, which also sends
/// `traceparent` to the API server). Each layer puts its span's context into the request scope,
/// so the next layer's spans are its children.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kube/chain.hpp"
#include "mcp/server.hpp"
#include "telemetry/tracer.hpp"
#include "transport/router.hpp"

namespace mcpk::telemetry {

/// `untraced`: routes that get no span (health probes every few seconds are noise).
transport::Middleware http_tracing(std::shared_ptr<Tracer> tracer, std::vector<std::string> untraced = {});
mcp::RequestMiddleware mcp_tracing(std::shared_ptr<Tracer> tracer);
std::shared_ptr<kube::TransportObserver> api_tracing(std::shared_ptr<Tracer> tracer);

/// What a Kubernetes API path says, for span names and attributes: the URL template
/// ("/api/v1/namespaces/{namespace}/pods/{name}/log"), the namespace, group, resource,
/// subresource and the verb the API server's audit log would show.
struct ApiTarget {
  std::string url_template;
  std::string ns;
  std::string group;
  std::string resource;
  std::string subresource;
  std::string verb;
};
ApiTarget describe_api_target(std::string_view method, std::string_view target);

}  // namespace mcpk::telemetry
