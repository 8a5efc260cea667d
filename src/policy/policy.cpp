#include "policy/policy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>

#include "policy/glob.hpp"

namespace mcpk::policy {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view v) {
  return std::ranges::find(list, v) != list.end();
}

bool any_glob(const std::vector<std::string>& globs, std::string_view v) {
  return std::ranges::any_of(globs, [&](const std::string& g) { return glob_match(g, v); });
}

bool unrunnable_in_dry_run(std::string_view op) { return op == "exec" || op == "port-forward"; }

}  // namespace

bool Policy::offers(std::string_view operation, bool mutating) const {
  return check_operation(operation, mutating).has_value();
}

Result<void> Policy::check_operation(std::string_view op, bool mutating) const {
  if (mutating && config_.non_destructive && !config_.dry_run) {
    return fail(
        Errc::forbidden,
        fmt::format("\"{}\" changes cluster state and the server runs with --non-destructive (the default); "
                    "start it with --non-destructive=false (or --dry-run to validate changes without making them)",
                    op));
  }
  if (mutating && config_.dry_run && unrunnable_in_dry_run(op)) {
    return fail(Errc::forbidden, fmt::format("\"{}\" cannot be dry-run and the server runs with --dry-run", op));
  }
  if (!config_.allowed_operations.empty() && !contains(config_.allowed_operations, op)) {
    return fail(Errc::forbidden, fmt::format("operation \"{}\" is not in --allowed-operations ({})", op,
                                             fmt::join(config_.allowed_operations, ",")));
  }
  if (contains(config_.denied_operations, op)) {
    return fail(Errc::forbidden, fmt::format("operation \"{}\" is in --denied-operations", op));
  }
  return {};
}

Result<void> Policy::check_namespace(std::string_view ns) const {
  if (ns.empty()) return {};
  if (!config_.allowed_namespaces.empty() && !any_glob(config_.allowed_namespaces, ns)) {
    return fail(Errc::forbidden, fmt::format("namespace \"{}\" is not in --allowed-namespaces ({})", ns,
                                             fmt::join(config_.allowed_namespaces, ",")));
  }
  if (any_glob(config_.denied_namespaces, ns)) {
    return fail(Errc::forbidden, fmt::format("namespace \"{}\" is in --denied-namespaces", ns));
  }
  return {};
}

Result<void> Policy::check_all_namespaces() const {
  if (!config_.allowed_namespaces.empty() || !config_.denied_namespaces.empty()) {
    return fail(Errc::forbidden,
                "calls across all namespaces are refused while --allowed-namespaces/--denied-namespaces are set; "
                "name a namespace");
  }
  return {};
}

Result<void> Policy::check_resource(std::string_view plural, std::string_view group) const {
  const std::string qualified = group.empty() ? std::string(plural) : fmt::format("{}.{}", plural, group);
  for (const auto& d : config_.denied_resources) {
    if (glob_match(d, plural) || glob_match(d, qualified)) {
      return fail(Errc::forbidden, fmt::format("{} is in --denied-resources", qualified));
    }
  }
  return {};
}

}  // namespace mcpk::policy
