#include "federation/identity.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/json.hpp"
#include "core/log.hpp"

namespace mcpk::federation {
namespace {

// A value that can be sent as an HTTP header value as it is: printable, no CR/LF.
bool header_safe(std::string_view v) {
  return !v.empty() && std::ranges::none_of(v, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

Result<GroupMappings> parse_group_mappings(std::string_view json_text) {
  GroupMappings out;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  auto v = parse_json(json_text);
  if (!v) return fail(Errc::invalid_argument, "WC_GROUP_MAPPINGS is not valid JSON: " + v.error().message);
  if (!v->is_object()) {
    return fail(
        Errc::invalid_argument,
        "WC_GROUP_MAPPINGS must be a JSON object of group names, e.g. {\"oidc:platform\": \"platform-admins\"}");
  }
  for (const auto& [from, to] : v->get_object()) {
    if (!to.is_string() || !header_safe(from) || !header_safe(to.get_string())) {
      return fail(Errc::invalid_argument,
                  fmt::format("WC_GROUP_MAPPINGS: the entry \"{}\" must map a group name to a non-empty group name "
                              "(a string without control characters)",
                              log_field(from, 64)));
    }
    out.emplace(std::string(from), std::string(to.get_string()));
  }
  return out;
}

Result<kube::Impersonation> impersonation_for(const Caller& caller, const GroupMappings& mappings) {
  if (caller.email.empty()) {
    return fail(Errc::unauthenticated,
                "workload clusters are called as your email, and your sign-in carried none: the identity provider "
                "must release the email claim (scope \"email\")");
  }
  if (!header_safe(caller.email) || !header_safe(caller.subject.empty() ? caller.key : caller.subject)) {
    return fail(Errc::invalid_argument, "your identity cannot be sent to a workload cluster (control characters)");
  }
  kube::Impersonation who;
  who.user = caller.email;
  for (const auto& g : caller.groups) {
    if (!header_safe(g)) continue;  // a group that cannot travel in a header grants nothing
    auto it = mappings.find(g);
    who.groups.push_back(it == mappings.end() ? g : it->second);
  }
  std::ranges::sort(who.groups);
  who.groups.erase(std::unique(who.groups.begin(), who.groups.end()), who.groups.end());
  who.extra.emplace_back("agent", "mcp-kubernetes");
  who.extra.emplace_back("sub", caller.subject.empty() ? caller.key : caller.subject);
  return who;
}

}  // namespace mcpk::federation
