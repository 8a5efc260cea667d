/// @file
/// @brief `mcp-kubernetes serve`: validate options, set up logging, run the server.
#pragma once

#include "app/options.hpp"

namespace mcpk::app {

/// Returns the process exit code: 0 after a clean shutdown, 2 for a bad flag, 3 when a
/// requested feature is not supported by this build.
int run_serve(const ServeOptions& options);

}  // namespace mcpk::app
