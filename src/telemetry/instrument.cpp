#include "telemetry/instrument.hpp"

#include <cctype>
#include <chrono>
#include <string>

namespace mcpk::telemetry {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

class ApiMetrics final : public kube::TransportObserver {
 public:
  explicit ApiMetrics(std::shared_ptr<Metrics> m) : metrics_(std::move(m)) {}
  void on_request(const kube::RequestEvent& e, const kube::CallContext&) override {
    std::string verb(e.method);
    for (auto& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string code = e.status ? std::to_string(e.status) : std::string("error");
    metrics_->api_request(verb, code, e.attempts > 1 ? e.attempts - 1 : 0,
                          std::chrono::duration<double>(e.throttled).count(),
                          std::chrono::duration<double>(e.duration).count());
  }

 private:
  std::shared_ptr<Metrics> metrics_;
};

bool pod_operation(std::string_view op) { return op == "logs" || op == "exec" || op == "port-forward"; }

}  // namespace

transport::Middleware http_metrics(std::shared_ptr<Metrics> metrics) {
  return [metrics](transport::Exchange& x, const transport::Handler& next) -> Task<transport::Reply> {
    const auto t0 = Clock::now();
    auto reply = co_await next(x);
    metrics->http_request(x.req.method_string(), x.route.empty() ? std::string_view("other") : x.route,
                          static_cast<int>(reply.res.result_int()), seconds_since(t0));
    co_return reply;
  };
}

mcp::ToolMiddleware tool_metrics(std::shared_ptr<Metrics> metrics) {
  return [metrics](mcp::ToolContext& ctx, const mcp::ToolSpec& tool,
                   const mcp::ToolHandler& next) -> Task<mcp::ToolResult> {
    const auto t0 = Clock::now();
    auto result = co_await next(ctx);
    const double took = seconds_since(t0);
    const std::string_view outcome = ctx.refused() ? "refused" : result.is_error ? "error" : "ok";
    // A workload cluster named (cluster), or several (clusters: the fan-out).
    const bool workload = !string_or(ctx.args(), "cluster").empty();
    const auto* clusters = ctx.args().if_contains("clusters");
    const bool fanout = clusters && clusters->is_array() && !clusters->get_array().empty();
    metrics->tool_call(tool.name, tool.operation, outcome, took, workload, fanout);
    // Starting a forward is the pod operation; listing and stopping them are not.
    if (pod_operation(tool.operation) && tool.name != "k8s_list_port_forwards" &&
        tool.name != "k8s_stop_port_forward") {
      metrics->pod_operation(tool.operation, outcome == "ok" ? "success" : "error", took);
    }
    co_return result;
  };
}

std::shared_ptr<kube::TransportObserver> api_metrics(std::shared_ptr<Metrics> metrics) {
  return std::make_shared<ApiMetrics>(std::move(metrics));
}

}  // namespace mcpk::telemetry
