/// @file
/// @brief Echoing input back in messages, bounded: an error about a 4 MB argument quotes its
/// start, not all of it.
#pragma once

#include <string>
#include <string_view>

namespace mcpk {

/// `s` when it is at most `max` bytes, else its first `max` bytes and "... (N bytes)".
std::string clip(std::string_view s, std::size_t max = 64);

}  // namespace mcpk
