// The metrics as OTLP: Prometheus families converted to the OpenTelemetry data model and
// encoded as the OTLP JSON mapping says (fixed64 as strings, enums as integers).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "telemetry/metric_export.hpp"

namespace mcpk::telemetry {
namespace {

const MetricData* find_metric(const std::vector<MetricData>& all, std::string_view name) {
  for (const auto& m : all) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(MetricExport, CountersBecomeCumulativeSumsAndHistogramsKeepTheirBuckets) {
  Metrics metrics(MetricsInfo{.version = "1", .transport = "stdio"});
  metrics.tool_call("k8s_get_resource", "get", "ok", 0.003);
  metrics.tool_call("k8s_get_resource", "get", "ok", 0.2);
  metrics.tool_call("k8s_get_resource", "get", "error", 20);
  const auto data = metric_data(metrics);

  const auto* ops = find_metric(data, "mcp_kubernetes_operations");  // "_total" dropped
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->kind, MetricKind::sum);
  EXPECT_EQ(find_metric(data, "mcp_kubernetes_operations_total"), nullptr);
  double success = 0;
  for (const auto& p : ops->points) {
    for (const auto& a : p.attributes) {
      if (a.key == "status" && std::get<std::string>(a.value) == "success") success = p.value;
    }
  }
  EXPECT_EQ(success, 2);

  const auto* hist = find_metric(data, "mcp_kubernetes_operation_duration_seconds");
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(hist->kind, MetricKind::histogram);
  EXPECT_EQ(hist->unit, "s");
  for (const auto& p : hist->points) {
    EXPECT_EQ(p.bounds, kDurationBuckets);
    ASSERT_EQ(p.bucket_counts.size(), kDurationBuckets.size() + 1);  // the last is +Inf
    std::uint64_t total = 0;
    for (auto c : p.bucket_counts) total += c;
    EXPECT_EQ(total, p.count);  // per bucket, not cumulative
  }
  const auto* forwards = find_metric(data, "active_port_forward_sessions");
  ASSERT_NE(forwards, nullptr);
  EXPECT_EQ(forwards->kind, MetricKind::gauge);
  ASSERT_EQ(forwards->points.size(), 1u);  // a sample from start-up

  Resource resource{{{"service.name", std::string("svc")}}};
  auto v = boost::json::parse(encode_metrics(resource, Scope{"mcp-kubernetes", "1"}, data, 1000, 2000));
  const auto& rm = v.at("resourceMetrics").at(0);
  EXPECT_EQ(rm.at("resource").at("attributes").at(0).at("key"), "service.name");
  const auto& sm = rm.at("scopeMetrics").at(0);
  EXPECT_EQ(sm.at("scope").at("name"), "mcp-kubernetes");
  bool saw_sum = false, saw_histogram = false;
  for (const auto& m : sm.at("metrics").as_array()) {
    const auto& o = m.as_object();
    if (o.at("name") == "mcp_kubernetes_operations") {
      saw_sum = true;
      EXPECT_EQ(o.at("sum").at("aggregationTemporality"), 2);
      EXPECT_EQ(o.at("sum").at("isMonotonic"), true);
      const auto& p = o.at("sum").at("dataPoints").at(0);
      EXPECT_EQ(p.at("startTimeUnixNano"), "1000");
      EXPECT_EQ(p.at("timeUnixNano"), "2000");
      EXPECT_TRUE(p.at("asDouble").is_number());
    }
    if (o.at("name") == "mcp_kubernetes_operation_duration_seconds") {
      saw_histogram = true;
      EXPECT_EQ(o.at("unit"), "s");
      const auto& p = o.at("histogram").at("dataPoints").at(0);
      EXPECT_TRUE(p.at("count").is_string());  // fixed64
      EXPECT_TRUE(p.at("bucketCounts").at(0).is_string());
      EXPECT_EQ(p.at("explicitBounds").as_array().size(), kDurationBuckets.size());
    }
  }
  EXPECT_TRUE(saw_sum && saw_histogram);
}

}  // namespace
}  // namespace mcpk::telemetry
