// mcp-kubernetes: `version` and `serve`. Parses the command line, then hands over to run_serve.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/options.hpp"
#include "app/serve.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"mcp-kubernetes: a Model Context Protocol server for Kubernetes", "mcp-kubernetes"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", mcpk::version_line());

  auto* version = cli.add_subcommand("version", "Print the version and exit");
  mcpk::app::ServeOptions options;
  auto* serve = cli.add_subcommand("serve", "Start the MCP server");
  mcpk::app::add_serve_flags(*serve, options);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  mcpk::app::note_given_flags(*serve, options);
  if (*version) {
    std::puts(mcpk::version_line().c_str());
    return 0;
  }
  return mcpk::app::run_serve(options);
}
