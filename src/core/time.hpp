/// @file
/// @brief RFC 3339 timestamps, as Kubernetes writes them ("2026-01-02T03:04:05Z",
/// "2026-01-02T03:04:05.123456789+02:00"), and human durations ("5m", "3h", "2d") for ages.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mcpk {

using SysTime = std::chrono::system_clock::time_point;

Result<SysTime> parse_rfc3339(std::string_view text);
/// UTC, second precision: "2026-01-02T03:04:05Z".
std::string format_rfc3339(SysTime t);
/// kubectl's age format: "45s", "12m", "5h", "3d", "2y".
std::string format_age(std::chrono::seconds age);

}  // namespace mcpk
