/// @file
/// @brief Shell-style globs for namespace and resource allow/deny lists.
#pragma once

#include <string_view>

namespace mcpk::policy {

/// Matches `text` against `pattern`, where `*` is any run of characters (also empty) and
/// `?` exactly one; every other character matches itself. Linear time, no backtracking blow-up.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace mcpk::policy
