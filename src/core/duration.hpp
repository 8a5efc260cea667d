/// @file
/// @brief Go-style durations ("30s", "1m30s", "250ms", "2h"), as the reference's flags use.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mcpk {

using Millis = std::chrono::milliseconds;

/// Parses a sequence of <decimal><unit> with units ms, s, m, h (e.g. "1h30m", "1.5s").
/// A bare "0" is zero. Negative values and other units are refused.
Result<Millis> parse_duration(std::string_view text);

/// Formats as the shortest of "250ms", "30s", "5m", "1h30m".
std::string format_duration(Millis d);

/// A duration-valued flag, parsed once when the flags are read (CLI11 reads it with >>).
struct Duration {
  Millis value{};
  Duration() = default;
  explicit Duration(Millis v) : value(v) {}
  friend bool operator==(const Duration&, const Duration&) = default;
};
/// parse_duration(); a bad value sets failbit.
std::istream& operator>>(std::istream& in, Duration& d);
/// format_duration().
std::ostream& operator<<(std::ostream& out, const Duration& d);

}  // namespace mcpk
