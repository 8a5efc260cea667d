/// @file
/// @brief Making spans: `Tracer::start` gives a `Span` under a parent (or a new trace), with
/// the sampler's decision; `Span::end` hands a sampled span to the batch processor. A span that
/// is not sampled still has ids, so its context travels on (flag 00) and downstream services
/// agree with the decision.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "telemetry/trace.hpp"

namespace mcpk::telemetry {

class Tracer;

/// A span being recorded; ended once (explicitly or by its destructor).
class Span {
 public:
  Span() = default;
  Span(Span&& other) noexcept : tracer_(std::exchange(other.tracer_, nullptr)), data_(std::move(other.data_)) {}
  Span& operator=(Span&& other) noexcept {
    if (this != &other) {
      end();
      tracer_ = std::exchange(other.tracer_, nullptr);
      data_ = std::move(other.data_);
    }
    return *this;
  }
  ~Span() { end(); }

  const SpanContext& context() const { return data_.context; }
  /// Whether attributes are kept (the span is sampled); setting them otherwise costs nothing.
  bool recording() const { return tracer_ != nullptr && data_.context.sampled; }
  /// "00-<trace>-<span>-<flags>" of this span, for its children.
  std::string traceparent() const { return format_traceparent(data_.context); }

  void set(std::string key, AttributeValue value);
  /// Status Error with `error.type` (and a message, kept short).
  void set_error(std::string type, std::string_view message = {});
  /// Backdates the start (a span reported after the fact, from its duration).
  void set_start(std::uint64_t unix_ns) { data_.start_unix_ns = unix_ns; }
  void end();

 private:
  friend class Tracer;
  Tracer* tracer_ = nullptr;  ///< null: ended, or made by a default constructor
  SpanData data_;
};

/// Where sampled spans go when they end (the batch processor's add).
using SpanSink = std::function<void(SpanData)>;

class Tracer {
 public:
  /// `sink` may be null: spans are made (contexts propagate) and dropped.
  Tracer(Sampler sampler, SpanSink sink);

  /// A span under `parent` (nullopt or invalid: a new trace).
  Span start(std::string name, SpanKind kind, const std::optional<SpanContext>& parent);
  /// As above, the parent given as a traceparent/tracestate (a malformed one: a new trace).
  Span start(std::string name, SpanKind kind, std::string_view traceparent, std::string_view tracestate);

  const Sampler& sampler() const { return sampler_; }
  /// Exports a span made by hand (a request reported after the fact); it must be sampled.
  void record(SpanData data);

  Sampler sampler_;
  SpanSink sink_;
};

/// Nanoseconds since the Unix epoch, now.
std::uint64_t unix_now_ns();

}  // namespace mcpk::telemetry
