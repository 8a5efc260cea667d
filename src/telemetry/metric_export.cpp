#include "telemetry/metric_export.hpp"

#include <prometheus/metric_family.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cmath>

#include "telemetry/tracer.hpp"

namespace mcpk::telemetry {
namespace {

namespace prom = prometheus;

Attributes labels(const prom::ClientMetric& m) {
  Attributes out;
  out.reserve(m.label.size());
  for (const auto& l : m.label) out.push_back({l.name, l.value});
  return out;
}

}  // namespace

std::vector<MetricData> metric_data(Metrics& metrics) {
  const auto families = metrics.collect();
  std::vector<MetricData> out;
  out.reserve(families.size());
  for (const auto& f : families) {
    // Counters drop "_total", which a collector's Prometheus exporter appends again.
    const bool counter = f.type == prom::MetricType::Counter && f.name.ends_with("_total");
    const bool seconds = f.name.ends_with("_seconds") || f.name.ends_with("_seconds_total");
    MetricData m{.name = counter ? f.name.substr(0, f.name.size() - 6) : f.name,
                 .description = f.help,
                 .unit = std::string(seconds ? "s" : ""),
                 .kind = MetricKind::sum,
                 .points = {}};
    switch (f.type) {
      case prom::MetricType::Counter:
        m.kind = MetricKind::sum;
        for (const auto& c : f.metric) m.points.push_back({.attributes = labels(c), .value = c.counter.value});
        break;
      case prom::MetricType::Gauge:
        m.kind = MetricKind::gauge;
        for (const auto& g : f.metric) m.points.push_back({.attributes = labels(g), .value = g.gauge.value});
        break;
      case prom::MetricType::Histogram:
        m.kind = MetricKind::histogram;
        for (const auto& h : f.metric) {
          MetricPoint p{.attributes = labels(h), .count = h.histogram.sample_count, .sum = h.histogram.sample_sum};
          std::uint64_t below = 0;
          for (const auto& b : h.histogram.bucket) {  // cumulative, the last one +Inf
            if (std::isfinite(b.upper_bound)) p.bounds.push_back(b.upper_bound);
            p.bucket_counts.push_back(b.cumulative_count - below);
            below = b.cumulative_count;
          }
          m.points.push_back(std::move(p));
        }
        break;
      default:
        continue;  // we register no summaries or untyped metrics
    }
    out.push_back(std::move(m));
  }
  return out;
}

PeriodicMetricReader::PeriodicMetricReader(net::any_io_executor executor, std::shared_ptr<Metrics> metrics,
                                           Resource resource, Scope scope, std::unique_ptr<OtlpExporter> exporter,
                                           std::chrono::milliseconds interval)
    : metrics_(std::move(metrics)),
      resource_(std::move(resource)),
      scope_(std::move(scope)),
      exporter_(std::move(exporter)),
      interval_(interval),
      timer_(executor),
      start_unix_ns_(unix_now_ns()) {}

void PeriodicMetricReader::start() { net::co_spawn(timer_.get_executor(), loop(), net::detached); }

Task<void> PeriodicMetricReader::loop() {
  auto self = shared_from_this();
  while (!stopping_) {
    timer_.expires_after(interval_);
    co_await timer_.async_wait(use_tuple);
    if (stopping_) break;
    co_await push();
  }
}

Task<void> PeriodicMetricReader::push() {
  if (pushing_) co_return;  // the previous push is still waiting for the collector
  pushing_ = true;
  const auto data = metric_data(*metrics_);
  auto body = encode_metrics(resource_, scope_, data, start_unix_ns_, unix_now_ns());
  auto sent = co_await exporter_->send(std::move(body));
  if (!sent && !failing_) {
    spdlog::warn("metrics: export to {} failed: {} (logged once until it works again)", exporter_->describe(),
                 sent.error().message);
  } else if (sent && failing_) {
    spdlog::info("metrics: exporting to {} again", exporter_->describe());
  }
  failing_ = !sent;
  pushing_ = false;
}

Task<void> PeriodicMetricReader::shutdown() {
  auto self = shared_from_this();
  stopping_ = true;
  timer_.cancel();
  co_await push();
}

}  // namespace mcpk::telemetry
