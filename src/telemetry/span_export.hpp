/// @file
/// @brief Finished spans leave the process off the request path: `BatchSpanProcessor` keeps a
/// bounded queue (a full queue drops the span and counts it), and one coroutine exports a
/// batch every `delay`, or as soon as `max_batch` spans wait. An export that fails or times out
/// drops its batch (counted) and is not retried: a dead collector never slows or fails a call.
/// Exporters: OTLP/HTTP with JSON bodies (`POST …/v1/traces`), or a stream (stdout, or
/// stderr under the stdio transport), one OTLP JSON document per line.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"
#include "telemetry/otlp_json.hpp"
#include "telemetry/trace.hpp"

namespace mcpk::telemetry {

/// Where an encoded batch (an OTLP JSON ExportTraceServiceRequest or
/// ExportMetricsServiceRequest) goes.
class OtlpExporter {
 public:
  virtual ~OtlpExporter() = default;
  virtual Task<Result<void>> send(std::string body) = 0;
  /// For logs: "OTLP/HTTP http://collector:4318/v1/traces", "stdout".
  virtual std::string describe() const = 0;
};

/// POSTs to `url` (http or https; the system's CA roots), within `timeout`; `what` names the
/// export in errors ("the OTLP trace export").
std::unique_ptr<OtlpExporter> otlp_http_exporter(net::any_io_executor executor, std::string url,
                                                 std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                                 std::string what = "the OTLP trace export");
/// Writes each batch as one line to `out` (stdout, or stderr when stdout is the MCP stream).
std::unique_ptr<OtlpExporter> stream_exporter(std::FILE* out, std::string name);

/// An OTLP signal's URL as the OTLP exporter spec builds it: the signal-specific endpoint
/// (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `..._METRICS_ENDPOINT`) as it is, else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` with "/v1/<signal>" appended, else
/// "http://localhost:4318/v1/<signal>". Must be http(s). `signal`: "traces" or "metrics".
Result<std::string> otlp_url(std::string_view signal_endpoint, std::string_view endpoint, std::string_view signal);

struct BatchOptions {
  std::size_t max_queue = 2048;
  std::size_t max_batch = 512;
  std::chrono::milliseconds delay{5000};
};

/// The export loop runs on `executor`, which may be another thread's (serve runs it on a
/// telemetry thread, so that encoding and sending never take the I/O thread's time): `add` and
/// `stats` may be called from any thread; `start` and `shutdown` run on the executor.
class BatchSpanProcessor : public std::enable_shared_from_this<BatchSpanProcessor> {
 public:
  BatchSpanProcessor(net::any_io_executor executor, Resource resource, Scope scope,
                     std::unique_ptr<OtlpExporter> exporter, BatchOptions options = {});

  /// Queues a finished span (never blocks on I/O, never fails the caller).
  void add(SpanData span);
  /// Starts the export loop.
  void start();
  /// Exports what is queued, then stops the loop.
  Task<void> shutdown();

  struct Stats {
    std::uint64_t exported = 0;  ///< spans the exporter accepted
    std::uint64_t dropped = 0;   ///< spans lost to a full queue
    std::uint64_t failed = 0;    ///< spans in batches whose export failed
  };
  Stats stats() const;
  const OtlpExporter& exporter() const { return *exporter_; }

 private:
  Task<void> loop();
  Task<void> export_some();
  std::vector<SpanData> take_batch();

  Resource resource_;
  Scope scope_;
  std::unique_ptr<OtlpExporter> exporter_;
  BatchOptions options_;
  net::steady_timer wake_;  ///< touched on the executor only

  mutable std::mutex mutex_;  ///< guards queue_, stopping_ and wake_posted_
  std::deque<SpanData> queue_;
  bool stopping_ = false, wake_posted_ = false;
  bool running_ = false, exporting_ = false;  ///< the executor's
  std::atomic<std::uint64_t> exported_{0}, dropped_{0}, failed_{0};
};

}  // namespace mcpk::telemetry
