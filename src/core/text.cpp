#include "core/text.hpp"

#include <fmt/format.h>

namespace mcpk {

std::string clip(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  return fmt::format("{}... ({} bytes)", s.substr(0, max), s.size());
}

}  // namespace mcpk
