/// @file
/// @brief Structured logging to stderr (stdout belongs to the stdio transport).
///
/// `init_logging` installs the process-wide logger once, from `main`; afterwards use spdlog's
/// free functions (`spdlog::info(...)`). Values that might be secrets go through redact.hpp.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mcpk {

enum class LogFormat { text, json };

struct LogOptions {
  LogFormat format = LogFormat::text;
  bool debug = false;  ///< --debug: level debug instead of info
};

/// Parses "text" or "json".
Result<LogFormat> parse_log_format(std::string_view s);

/// Installs a stderr logger. JSON format writes one object per line:
/// {"time":"...","level":"info","msg":"..."}.
void init_logging(const LogOptions& options);

/// A value from outside (a tool argument, a header) made safe for one field of a text log
/// line: escaped as in a JSON string (\n, \u001b, \"), so no argument can forge a line, and
/// cut to `max` bytes with "...".
std::string log_field(std::string_view value, std::size_t max = 256);

}  // namespace mcpk
