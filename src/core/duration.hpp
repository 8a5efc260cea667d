/// @file
/// @brief Go-style durations ("30s", "1m30s", "250ms", "2h"), as the reference's flags use.
#pragma once

#include <chrono>
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

}  // namespace mcpk
