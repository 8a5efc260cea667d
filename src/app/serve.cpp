#include "app/serve.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log.hpp"
#include "core/version.hpp"

namespace mcpk::app {

int run_serve(const ServeOptions& options) {
  if (auto ok = validate(options); !ok) {
    fmt::print(stderr, "mcp-kubernetes serve: {}\n", ok.error().message);
    return 2;
  }
  init_logging({.format = *parse_log_format(options.log_format), .debug = options.debug});
  spdlog::info("{} starting: {}", version_line(), describe(options));
  if (auto missing = unsupported_features(options); !missing.empty()) {
    for (const auto& m : missing) spdlog::error("not yet supported: {}", m);
    return 3;
  }
  return 0;
}

}  // namespace mcpk::app
