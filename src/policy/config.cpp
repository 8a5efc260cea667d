#include "policy/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <array>

namespace mcpk::policy {
namespace {

constexpr std::array<std::string_view, 17> kOperations = {
    "get",    "list",  "describe", "logs",  "contexts", "api-resources", "health",       "events", "can-i",
    "create", "apply", "delete",   "patch", "scale",    "exec",          "port-forward", "rollout"};

bool namespace_glob_ok(std::string_view g) {
  return !g.empty() && g.size() <= 63 && std::ranges::all_of(g, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '*' || c == '?';
  });
}

bool resource_ok(std::string_view r) {
  return !r.empty() && std::ranges::all_of(r, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*';
  });
}

Result<void> check_operations(std::string_view flag, const std::vector<std::string>& ops) {
  for (const auto& op : ops) {
    if (std::ranges::find(kOperations, op) == kOperations.end()) {
      return fail(Errc::invalid_argument,
                  fmt::format("--{}: unknown operation \"{}\" (known: {})", flag, op, fmt::join(kOperations, ",")));
    }
  }
  return {};
}

Result<void> check_namespaces(std::string_view flag, const std::vector<std::string>& globs) {
  for (const auto& g : globs) {
    if (!namespace_glob_ok(g)) {
      return fail(Errc::invalid_argument,
                  fmt::format("--{}: \"{}\" is not a namespace name or glob (lower-case letters, digits, '-', "
                              "'*' and '?')",
                              flag, g));
    }
  }
  return {};
}

}  // namespace

std::span<const std::string_view> known_operations() noexcept { return kOperations; }

Result<void> validate(const PolicyConfig& c) {
  if (auto r = check_operations("allowed-operations", c.allowed_operations); !r) return r;
  if (auto r = check_operations("denied-operations", c.denied_operations); !r) return r;
  if (auto r = check_namespaces("allowed-namespaces", c.allowed_namespaces); !r) return r;
  if (auto r = check_namespaces("denied-namespaces", c.denied_namespaces); !r) return r;
  for (const auto& r : c.denied_resources) {
    if (!resource_ok(r)) {
      return fail(Errc::invalid_argument,
                  fmt::format("--denied-resources: \"{}\" is not a resource name (e.g. secrets, "
                              "deployments.apps)",
                              r));
    }
  }
  return {};
}

}  // namespace mcpk::policy
