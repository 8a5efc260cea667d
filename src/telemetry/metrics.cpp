#include "telemetry/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace mcpk::telemetry {

namespace prom = prometheus;

namespace {
std::string s(std::string_view v) { return std::string(v); }
}  // namespace

struct Metrics::Impl {
  prom::Registry registry;
  // The reference's families.
  prom::Family<prom::Counter>& http_requests = prom::BuildCounter()
                                                   .Name("http_requests_total")
                                                   .Help("HTTP requests by method, route and status")
                                                   .Register(registry);
  prom::Family<prom::Histogram>& http_duration = prom::BuildHistogram()
                                                     .Name("http_request_duration_seconds")
                                                     .Help("HTTP request duration (to the response head)")
                                                     .Register(registry);
  prom::Family<prom::Counter>& operations = prom::BuildCounter()
                                                .Name("mcp_kubernetes_operations_total")
                                                .Help("Kubernetes operations (tool calls) by operation and status")
                                                .Register(registry);
  prom::Family<prom::Histogram>& operation_duration = prom::BuildHistogram()
                                                          .Name("mcp_kubernetes_operation_duration_seconds")
                                                          .Help("Kubernetes operation (tool call) duration")
                                                          .Register(registry);
  prom::Family<prom::Counter>& pod_operations = prom::BuildCounter()
                                                    .Name("kubernetes_pod_operations_total")
                                                    .Help("Pod operations (logs, exec, port-forward) by status")
                                                    .Register(registry);
  prom::Family<prom::Histogram>& pod_operation_duration = prom::BuildHistogram()
                                                              .Name("kubernetes_pod_operation_duration_seconds")
                                                              .Help("Pod operation duration")
                                                              .Register(registry);
  prom::Family<prom::Counter>& downstream_auth = prom::BuildCounter()
                                                     .Name("oauth_downstream_auth_total")
                                                     .Help("Downstream OAuth authentications by result")
                                                     .Register(registry);
  prom::Family<prom::Gauge>& port_forwards =
      prom::BuildGauge().Name("active_port_forward_sessions").Help("Port-forward sessions open").Register(registry);
  // Ours.
  prom::Family<prom::Counter>& tool_calls =
      prom::BuildCounter().Name("mcp_tool_calls_total").Help("MCP tool calls by tool and outcome").Register(registry);
  prom::Family<prom::Counter>& api_requests = prom::BuildCounter()
                                                  .Name("kubernetes_api_requests_total")
                                                  .Help("Kubernetes API requests by verb and HTTP status")
                                                  .Register(registry);
  prom::Family<prom::Histogram>& api_duration = prom::BuildHistogram()
                                                    .Name("kubernetes_api_request_duration_seconds")
                                                    .Help("Kubernetes API request duration, retries included")
                                                    .Register(registry);
  prom::Family<prom::Counter>& api_retries = prom::BuildCounter()
                                                 .Name("kubernetes_api_request_retries_total")
                                                 .Help("Kubernetes API requests sent again (429/503, 401, stale)")
                                                 .Register(registry);
  prom::Family<prom::Counter>& api_throttled = prom::BuildCounter()
                                                   .Name("kubernetes_api_throttle_wait_seconds_total")
                                                   .Help("Time spent waiting for the client-side rate limiter")
                                                   .Register(registry);
  prom::Family<prom::Counter>& cache_hits =
      prom::BuildCounter().Name("mcp_client_cache_hits_total").Help("Client cache hits").Register(registry);
  prom::Family<prom::Counter>& cache_misses =
      prom::BuildCounter().Name("mcp_client_cache_misses_total").Help("Client cache misses").Register(registry);
  prom::Family<prom::Counter>& cache_evictions = prom::BuildCounter()
                                                     .Name("mcp_client_cache_evictions_total")
                                                     .Help("Client cache evictions (TTL, size bound)")
                                                     .Register(registry);
  prom::Family<prom::Gauge>& cache_entries =
      prom::BuildGauge().Name("mcp_client_cache_entries").Help("Clients cached").Register(registry);
  prom::Family<prom::Gauge>& sessions =
      prom::BuildGauge().Name("mcp_sessions_open").Help("MCP sessions open (and stateless callers)").Register(registry);
  prom::Family<prom::Counter>& spans = prom::BuildCounter()
                                           .Name("mcp_trace_spans_total")
                                           .Help(
                                               "Trace spans by outcome: exported, dropped (queue full), failed "
                                               "(export failed)")
                                           .Register(registry);
  prom::Family<prom::Gauge>& build_info =
      prom::BuildGauge().Name("mcp_kubernetes_build_info").Help("Build information (always 1)").Register(registry);

  std::vector<Collect> collects;
  Snapshot last{};

  // Counters fed from totals read at scrape time grow by the difference.
  static void advance(prom::Counter& c, std::uint64_t now, std::uint64_t& before) {
    if (now > before) c.Increment(static_cast<double>(now - before));
    before = now;
  }
};

Metrics::Metrics(MetricsInfo info) : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.build_info.Add({{"version", info.version}, {"transport", info.transport}}).Set(1);
  // Gauges and the cache counters have a sample from start-up.
  d.port_forwards.Add({}).Set(0);
  d.sessions.Add({}).Set(0);
  d.cache_entries.Add({}).Set(0);
  d.cache_hits.Add({});
  d.cache_misses.Add({});
  d.cache_evictions.Add({});
  for (const auto* outcome : {"exported", "dropped", "failed"}) d.spans.Add({{"outcome", outcome}});
}

Metrics::~Metrics() = default;

void Metrics::http_request(std::string_view method, std::string_view route, int status, double seconds) {
  auto& d = *impl_;
  const prom::Labels labels{{"method", s(method)}, {"path", s(route)}, {"status", std::to_string(status)}};
  d.http_requests.Add(labels).Increment();
  d.http_duration.Add(labels, kDurationBuckets).Observe(seconds);
}

void Metrics::tool_call(std::string_view tool, std::string_view operation, std::string_view outcome, double seconds,
                        bool workload, bool fanout) {
  auto& d = *impl_;
  const char* scope = workload || fanout ? "workload" : "management";
  d.tool_calls.Add({{"tool", s(tool)}, {"outcome", s(outcome)}}).Increment();
  const prom::Labels labels{{"operation", s(operation)},
                            {"status", outcome == "ok" ? "success" : "error"},
                            {"cluster_scope", scope},
                            {"discovery_mode", fanout ? "fanout" : "single"},
                            {"cluster_type", scope}};
  d.operations.Add(labels).Increment();
  d.operation_duration.Add(labels, kDurationBuckets).Observe(seconds);
}

void Metrics::pod_operation(std::string_view operation, std::string_view status, double seconds) {
  auto& d = *impl_;
  const prom::Labels labels{{"operation", s(operation)}, {"status", s(status)}};
  d.pod_operations.Add(labels).Increment();
  d.pod_operation_duration.Add(labels, kDurationBuckets).Observe(seconds);
}

void Metrics::api_request(std::string_view verb, std::string_view code, int retries, double throttled_seconds,
                          double seconds) {
  auto& d = *impl_;
  d.api_requests.Add({{"verb", s(verb)}, {"code", s(code)}}).Increment();
  d.api_duration.Add({{"verb", s(verb)}}, kDurationBuckets).Observe(seconds);
  if (retries > 0) d.api_retries.Add({{"verb", s(verb)}}).Increment(retries);
  if (throttled_seconds > 0) d.api_throttled.Add({}).Increment(throttled_seconds);
}

void Metrics::downstream_auth(std::string_view result) {
  impl_->downstream_auth.Add({{"result", s(result)}}).Increment();
}

void Metrics::on_collect(Collect collect) { impl_->collects.push_back(std::move(collect)); }

std::string Metrics::expose() { return prom::TextSerializer().Serialize(collect()); }

std::vector<prom::MetricFamily> Metrics::collect() {
  auto& d = *impl_;
  Snapshot now{};
  for (const auto& c : d.collects) c(now);
  d.sessions.Add({}).Set(static_cast<double>(now.sessions_open));
  d.port_forwards.Add({}).Set(static_cast<double>(now.port_forwards));
  d.cache_entries.Add({}).Set(static_cast<double>(now.client_cache_entries));
  Impl::advance(d.cache_hits.Add({}), now.client_cache_hits, d.last.client_cache_hits);
  Impl::advance(d.cache_misses.Add({}), now.client_cache_misses, d.last.client_cache_misses);
  Impl::advance(d.cache_evictions.Add({}), now.client_cache_evictions, d.last.client_cache_evictions);
  Impl::advance(d.spans.Add({{"outcome", "exported"}}), now.spans_exported, d.last.spans_exported);
  Impl::advance(d.spans.Add({{"outcome", "dropped"}}), now.spans_dropped, d.last.spans_dropped);
  Impl::advance(d.spans.Add({{"outcome", "failed"}}), now.spans_failed, d.last.spans_failed);
  return d.registry.Collect();
}

}  // namespace mcpk::telemetry
