/// @file
/// @brief OpenTelemetry tracing of `serve`: the tracer and its batch processor, configured from
/// TRACING_EXPORTER and the OpenTelemetry environment (OTEL_EXPORTER_OTLP_ENDPOINT,
/// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_TRACES_SAMPLER_ARG, OTEL_SERVICE_NAME,
/// OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*). The adapters (telemetry/tracing.hpp) are put on the
/// seams by serve.cpp.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <thread>

#include "app/options.hpp"
#include "app/otel_env.hpp"
#include "core/error.hpp"
#include "telemetry/span_export.hpp"
#include "telemetry/tracer.hpp"

namespace mcpk::app {

/// The tracer and the export loop, which runs on a thread of its own: encoding and sending
/// batches never take the I/O thread's time.
class Tracing {
  net::io_context io_{1};  ///< first: destroyed last, after the processor's timer that lives in it

 public:
  Tracing();
  ~Tracing();  ///< stop()s
  Tracing(const Tracing&) = delete;
  Tracing& operator=(const Tracing&) = delete;

  std::shared_ptr<telemetry::Tracer> tracer;
  std::shared_ptr<telemetry::BatchSpanProcessor> processor;
  net::any_io_executor executor() { return io_.get_executor(); }
  void run();  ///< starts the export thread
  /// Exports what is queued (within the exporter's timeout) and joins the thread.
  void stop();

 private:
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::thread thread_;
};

/// Null when tracing is off; an error names the setting that is wrong.
Result<std::unique_ptr<Tracing>> make_tracing(const ServeOptions& options, const Getenv& getenv);

}  // namespace mcpk::app
