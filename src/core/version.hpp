/// @file
/// @brief Build identity of the binary.
#pragma once

#include <string>

namespace mcpk {

/// Semantic version of this build (from CMake's project version).
const char* version() noexcept;
/// One line: "mcp-kubernetes <version> (<compiler>, Boost <x.y.z>, OpenSSL <x.y.z>)".
std::string version_line();

}  // namespace mcpk
