#include "federation/resolve.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/text.hpp"

namespace mcpk::federation {
namespace {

constexpr std::size_t kMaxCandidates = 20;

std::vector<std::string> names_of(const std::vector<const WorkloadCluster*>& clusters) {
  std::vector<std::string> out;
  for (const auto* c : clusters) out.push_back(c->qualified());
  return out;
}

}  // namespace

Result<const WorkloadCluster*> find_cluster(std::span<const WorkloadCluster> known, std::string_view name) {
  std::vector<const WorkloadCluster*> found;
  const auto slash = name.find('/');
  for (const auto& c : known) {
    const bool hit = slash == std::string_view::npos
                         ? c.name == name
                         : c.ns == name.substr(0, slash) && c.name == name.substr(slash + 1);
    if (hit) found.push_back(&c);
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) {
    return fail(Errc::not_found,
                fmt::format("no workload cluster \"{}\" that you may see (capi_list_clusters lists them; "
                            "capi_resolve_cluster finds one by part of its name)",
                            clip(name)));
  }
  return fail(Errc::invalid_argument,
              fmt::format("\"{}\" is ambiguous: it names {} clusters ({}); say which as namespace/name", clip(name),
                          found.size(), fmt::join(names_of(found), ", ")));
}

Resolution resolve_pattern(std::span<const WorkloadCluster> known, std::string_view pattern) {
  Resolution r;
  if (auto exact = find_cluster(known, pattern)) {
    r.match = *exact;
    r.how = "exact";
    return r;
  }
  const auto needle = lower_ascii(pattern);
  for (const auto& c : known) {
    if (lower_ascii(c.name).find(needle) != std::string::npos ||
        lower_ascii(c.qualified()).find(needle) != std::string::npos) {
      r.candidates.push_back(&c);
    }
  }
  if (r.candidates.size() == 1) {
    r.match = r.candidates.front();
    r.how = "substring";
    r.candidates.clear();
  } else if (r.candidates.size() > kMaxCandidates) {
    r.candidates.resize(kMaxCandidates);
  }
  return r;
}

}  // namespace mcpk::federation
