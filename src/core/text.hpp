/// @file
/// @brief Echoing input back in messages, bounded: an error about a 4 MB argument quotes its
/// start, not all of it.
#pragma once

#include <string>
#include <string_view>

namespace mcpk {

/// `s` when it is at most `max` bytes, else its first `max` bytes and "... (N bytes)".
std::string clip(std::string_view s, std::size_t max = 64);

/// ASCII lower case (header names, schemes, host names); other bytes unchanged.
std::string lower_ascii(std::string_view s);

/// Percent-decodes `in` into `out` (RFC 3986 §2.1); with `plus_is_space`, '+' is a space as in
/// application/x-www-form-urlencoded. False on a '%' not followed by two hex digits.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space = false);

}  // namespace mcpk
