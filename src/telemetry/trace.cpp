#include "telemetry/trace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/text.hpp"

namespace mcpk::telemetry {
namespace {

template <std::size_t N>
bool nonzero(const std::array<std::uint8_t, N>& bytes) {
  return std::any_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; });
}

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * N, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

int lower_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is invalid in traceparent
}

template <std::size_t N>
bool from_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = lower_hex(text[2 * i]), lo = lower_hex(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

// Trace ids are identifiers, not secrets: a per-thread PRNG seeded from the system is enough.
std::mt19937_64& rng() {
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  return engine;
}

template <std::size_t N>
void fill_random(std::array<std::uint8_t, N>& bytes) {
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      const auto word = rng()();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j) bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
    }
  } while (!nonzero(bytes));
}

}  // namespace

bool TraceId::valid() const { return nonzero(bytes); }
std::string TraceId::hex() const { return to_hex(bytes); }
bool SpanId::valid() const { return nonzero(bytes); }
std::string SpanId::hex() const { return to_hex(bytes); }

TraceId new_trace_id() {
  TraceId id;
  fill_random(id.bytes);
  return id;
}

SpanId new_span_id() {
  SpanId id;
  fill_random(id.bytes);
  return id;
}

std::optional<SpanContext> parse_traceparent(std::string_view traceparent, std::string_view tracestate) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  if (traceparent.size() < 55) return std::nullopt;
  std::array<std::uint8_t, 1> version{}, flags{};
  if (!from_hex(traceparent.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') return std::nullopt;
  // Version 00 is exactly 55 characters; a later version may append "-..." fields.
  if (version[0] == 0 ? traceparent.size() != 55 : traceparent.size() > 55 && traceparent[55] != '-') {
    return std::nullopt;
  }
  SpanContext c;
  if (!from_hex(traceparent.substr(3, 32), c.trace_id.bytes) ||
      !from_hex(traceparent.substr(36, 16), c.span_id.bytes) || !from_hex(traceparent.substr(53, 2), flags) ||
      !c.valid()) {
    return std::nullopt;
  }
  c.sampled = (flags[0] & 1) != 0;
  c.tracestate = std::string(tracestate.substr(0, 512));  // W3C: at most 32 members of bounded size
  c.remote = true;
  return c;
}

std::string format_traceparent(const SpanContext& context) {
  return fmt::format("00-{}-{}-{}", context.trace_id.hex(), context.span_id.hex(), context.sampled ? "01" : "00");
}

Sampler::Sampler(double ratio) : ratio_(std::isnan(ratio) ? 1.0 : std::clamp(ratio, 0.0, 1.0)) {
  // The Go SDK: sampled when (the trace id's last 8 bytes, big-endian) >> 1 < ratio * 2^63.
  bound_ = static_cast<std::uint64_t>(ratio_ * 9223372036854775808.0);
}

bool Sampler::sample(const std::optional<SpanContext>& parent, const TraceId& trace_id) const {
  if (parent && parent->valid()) return parent->sampled;
  if (ratio_ >= 1.0) return true;
  std::uint64_t low = 0;
  for (std::size_t i = 8; i < 16; ++i) low = (low << 8) | trace_id.bytes[i];
  return (low >> 1) < bound_;
}

Result<Resource> make_resource(std::string_view service_name, std::string_view resource_attributes,
                               std::string_view version) {
  Resource r;
  std::string name = "mcp-kubernetes";
  for (std::size_t start = 0; start < resource_attributes.size();) {
    auto end = resource_attributes.find(',', start);
    if (end == std::string_view::npos) end = resource_attributes.size();
    const auto entry = resource_attributes.substr(start, end - start);
    start = end + 1;
    if (entry.find_first_not_of(" \t") == std::string_view::npos) continue;
    const auto eq = entry.find('=');
    std::string key, value;
    if (eq == std::string_view::npos || !percent_decode(entry.substr(0, eq), key) ||
        !percent_decode(entry.substr(eq + 1), value)) {
      return fail(
          Errc::invalid_argument,
          fmt::format("OTEL_RESOURCE_ATTRIBUTES: \"{}\" is not key=value (values percent-encoded)", clip(entry)));
    }
    const auto first = key.find_first_not_of(" \t"), last = key.find_last_not_of(" \t");
    key = first == std::string::npos ? std::string() : key.substr(first, last - first + 1);
    if (key.empty()) return fail(Errc::invalid_argument, "OTEL_RESOURCE_ATTRIBUTES: an entry has an empty key");
    if (key == "service.name") {
      name = std::move(value);
      continue;
    }
    std::erase_if(r.attributes, [&](const Attribute& a) { return a.key == key; });  // the last one wins
    r.attributes.push_back({std::move(key), std::move(value)});
  }
  if (!service_name.empty()) name = std::string(service_name);
  r.attributes.insert(r.attributes.begin(), {{"service.name", std::move(name)},
                                             {"service.version", std::string(version)},
                                             {"telemetry.sdk.name", std::string("mcp-kubernetes")},
                                             {"telemetry.sdk.language", std::string("cpp")},
                                             {"telemetry.sdk.version", std::string(version)}});
  return r;
}

}  // namespace mcpk::telemetry
