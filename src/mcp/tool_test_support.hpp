/// @file
/// @brief For tests: a minimal read-only tool around a handler.
#pragma once

#include <string>
#include <utility>

#include "mcp/tool.hpp"

namespace mcpk::mcp {

inline ToolSpec read_only_tool(std::string name, ToolHandler handler) {
  return ToolSpec{.name = std::move(name),
                  .title = "",
                  .description = "",
                  .input_schema = json::object{{"type", "object"}},
                  .output_schema = std::nullopt,
                  .annotations = {.read_only = true},
                  .operation = "get",
                  .handler = std::move(handler)};
}

}  // namespace mcpk::mcp
