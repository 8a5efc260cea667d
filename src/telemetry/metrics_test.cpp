// The exposition: escaping, one series per label set, cumulative buckets, start-up samples.
#include "telemetry/metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace mcpk::telemetry {
namespace {

std::vector<std::string> series_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

TEST(Metrics, GaugesAndCacheCountersHaveASampleFromStartUp) {
  Metrics m({.version = "1.2.3", .transport = "stdio"});
  const auto text = m.expose();
  EXPECT_NE(text.find("active_port_forward_sessions 0"), std::string::npos) << text;
  EXPECT_NE(text.find("mcp_sessions_open 0"), std::string::npos);
  EXPECT_NE(text.find("mcp_client_cache_hits_total 0"), std::string::npos);
  EXPECT_NE(text.find(R"(mcp_kubernetes_build_info{transport="stdio",version="1.2.3"} 1)"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m({.version = "v\"1\"\\\n", .transport = "stdio"});
  const auto text = m.expose();
  EXPECT_NE(text.find(R"(version="v\"1\"\\\n")"), std::string::npos) << text;
  for (const auto& line : series_lines(text)) EXPECT_EQ(line.find('\r'), std::string::npos);
}

TEST(Metrics, OneSeriesPerLabelSetAndCumulativeBuckets) {
  Metrics m({.version = "1", .transport = "streamable-http"});
  for (double s : {0.0005, 0.003, 0.2, 0.2, 7.0, 30.0}) m.http_request("POST", "/mcp", 200, s);
  m.http_request("GET", "/healthz", 200, 0.001);
  m.tool_call("k8s_get_resource", "get", "ok", 0.01);
  m.tool_call("k8s_get_resource", "get", "ok", 0.02);
  m.tool_call("k8s_delete_resource", "delete", "refused", 0.0);
  const auto text = m.expose();
  std::set<std::string> seen;
  for (const auto& line : series_lines(text)) {
    const auto key = line.substr(0, line.rfind(' '));
    EXPECT_TRUE(seen.insert(key).second) << "duplicate series " << key;
  }
  // Buckets of POST /mcp: cumulative, ending at the count.
  std::regex bucket(
      R"re(http_request_duration_seconds_bucket\{method="POST",path="/mcp",status="200",le="([^"]+)"\} (\S+))re");
  std::vector<double> counts;
  for (std::sregex_iterator it(text.begin(), text.end(), bucket), end; it != end; ++it) {
    counts.push_back(std::stod((*it)[2]));
  }
  ASSERT_EQ(counts.size(), 13u) << text;  // 12 bounds and +Inf
  for (std::size_t i = 1; i < counts.size(); ++i) EXPECT_LE(counts[i - 1], counts[i]);
  EXPECT_EQ(counts.front(), 1);  // 0.0005 <= 0.001
  EXPECT_EQ(counts[11], 5);      // <= 10
  EXPECT_EQ(counts.back(), 6);
  EXPECT_NE(text.find(R"(mcp_tool_calls_total{outcome="ok",tool="k8s_get_resource"} 2)"), std::string::npos);
  EXPECT_NE(text.find(R"(mcp_tool_calls_total{outcome="refused",tool="k8s_delete_resource"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(mcp_kubernetes_operations_total{cluster_scope="management",cluster_type="management",)"
                      R"(discovery_mode="single",operation="delete",status="error"} 1)"),
            std::string::npos);
}

TEST(Metrics, ScrapeTimeValuesComeFromTheCollectHooks) {
  Metrics m({.version = "1", .transport = "streamable-http"});
  Metrics::Snapshot now{.sessions_open = 3,
                        .port_forwards = 2,
                        .client_cache_entries = 4,
                        .client_cache_hits = 10,
                        .client_cache_misses = 4,
                        .client_cache_evictions = 1};
  m.on_collect([&now](Metrics::Snapshot& s) { s = now; });
  auto text = m.expose();
  EXPECT_NE(text.find("active_port_forward_sessions 2"), std::string::npos);
  EXPECT_NE(text.find("mcp_client_cache_hits_total 10"), std::string::npos);
  now.client_cache_hits = 15;
  now.port_forwards = 0;
  text = m.expose();
  EXPECT_NE(text.find("mcp_client_cache_hits_total 15"), std::string::npos);  // counters only grow
  EXPECT_NE(text.find("active_port_forward_sessions 0"), std::string::npos);
}

}  // namespace
}  // namespace mcpk::telemetry
