#include "telemetry/tracer.hpp"

#include "core/text.hpp"

namespace mcpk::telemetry {

std::uint64_t unix_now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

void Span::set(std::string key, AttributeValue value) {
  if (recording()) data_.attributes.push_back({std::move(key), std::move(value)});
}

void Span::set_error(std::string type, std::string_view message) {
  if (!recording()) return;
  data_.status = StatusCode::error;
  data_.status_message = clip(message, 256);
  data_.attributes.push_back({"error.type", std::move(type)});
}

void Span::end() {
  if (!tracer_) return;
  auto* tracer = tracer_;
  tracer_ = nullptr;
  if (!data_.context.sampled) return;
  data_.end_unix_ns = unix_now_ns();
  tracer->record(std::move(data_));
}

Tracer::Tracer(Sampler sampler, SpanSink sink) : sampler_(sampler), sink_(std::move(sink)) {}

Span Tracer::start(std::string name, SpanKind kind, const std::optional<SpanContext>& parent) {
  Span span;
  span.tracer_ = this;
  auto& d = span.data_;
  const bool child = parent && parent->valid();
  d.context.trace_id = child ? parent->trace_id : new_trace_id();
  d.context.span_id = new_span_id();
  d.context.sampled = sampler_.sample(child ? parent : std::nullopt, d.context.trace_id);
  if (child) {
    d.context.tracestate = parent->tracestate;
    d.parent = parent->span_id;
    d.parent_remote = parent->remote;
  }
  d.name = std::move(name);
  d.kind = kind;
  d.start_unix_ns = d.context.sampled ? unix_now_ns() : 0;
  return span;
}

Span Tracer::start(std::string name, SpanKind kind, std::string_view traceparent, std::string_view tracestate) {
  return start(std::move(name), kind, traceparent.empty() ? std::nullopt : parse_traceparent(traceparent, tracestate));
}

void Tracer::record(SpanData data) {
  if (sink_) sink_(std::move(data));
}

}  // namespace mcpk::telemetry
