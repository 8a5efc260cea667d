/// @file
/// @brief Escaping text for a JSON string literal (RFC 8259 §7), without a JSON library.
#pragma once

#include <string>
#include <string_view>

namespace mcpk {

/// Appends `text` to `out` escaped for use inside a JSON string (quotes not added).
/// Control characters become \uXXXX (or \n, \t, ...); bytes >= 0x80 are copied as they are.
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace mcpk
