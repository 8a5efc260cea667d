#include "kube/discovery.hpp"

#include "core/text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cctype>
#include <set>

namespace mcpk::kube {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* a = find_array(o, key)) {
    for (const auto& v : *a) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

// kubectl-like group ranking: core first, then built-in groups, then everything else.
int group_rank(std::string_view g) {
  if (g.empty()) return 0;
  if (g.find('.') == std::string_view::npos || g.ends_with(".k8s.io")) return 1;
  return 2;
}

bool looks_like_version(std::string_view s) {
  return s.size() >= 2 && s[0] == 'v' && std::isdigit(static_cast<unsigned char>(s[1]));
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string ApiResource::group_version() const { return group.empty() ? version : group + "/" + version; }
std::string ApiResource::qualified_name() const { return group.empty() ? resource : resource + "." + group; }
bool ApiResource::has_verb(std::string_view v) const { return std::ranges::find(verbs, v) != verbs.end(); }
bool ApiResource::has_subresource(std::string_view s) const {
  return std::ranges::find(subresources, s) != subresources.end();
}

ApiResource known_resource(std::string_view group, std::string_view version, std::string_view resource,
                           std::string_view kind, bool namespaced) {
  ApiResource r;
  r.group = group;
  r.version = version;
  r.resource = resource;
  r.kind = kind;
  r.singular = lower(kind);
  r.namespaced = namespaced;
  r.preferred = true;
  r.verbs = {"get", "list", "watch"};
  return r;
}

Result<std::vector<ApiResource>> parse_aggregated_discovery(const json::value& doc) {
  const auto* root = doc.if_object();
  const auto* items = root ? find_array(*root, "items") : nullptr;
  if (!items) return fail(Errc::internal, "aggregated discovery document without items");
  std::vector<ApiResource> out;
  for (const auto& item : *items) {
    const auto* g = item.if_object();
    if (!g) continue;
    std::string group;
    if (const auto* meta = find_object(*g, "metadata")) group = std::string(string_or(*meta, "name"));
    const auto* versions = find_array(*g, "versions");
    if (!versions) continue;
    bool first = true;
    for (const auto& vv : *versions) {
      const auto* v = vv.if_object();
      if (!v) continue;
      const std::string version(string_or(*v, "version"));
      if (const auto* resources = find_array(*v, "resources")) {
        for (const auto& rv : *resources) {
          const auto* r = rv.if_object();
          if (!r) continue;
          ApiResource a;
          a.group = group;
          a.version = version;
          a.preferred = first;
          a.resource = std::string(string_or(*r, "resource"));
          a.singular = std::string(string_or(*r, "singularResource"));
          if (const auto* rk = find_object(*r, "responseKind")) a.kind = std::string(string_or(*rk, "kind"));
          a.namespaced = string_or(*r, "scope") == "Namespaced";
          a.verbs = strings(*r, "verbs");
          a.short_names = strings(*r, "shortNames");
          a.categories = strings(*r, "categories");
          if (const auto* subs = find_array(*r, "subresources")) {
            for (const auto& s : *subs) {
              if (const auto* so = s.if_object()) a.subresources.emplace_back(string_or(*so, "subresource"));
            }
          }
          if (a.singular.empty()) a.singular = lower(a.kind);
          if (!a.resource.empty()) out.push_back(std::move(a));
        }
      }
      first = false;
    }
  }
  return out;
}

Result<std::vector<ApiResource>> parse_resource_list(const json::value& doc, std::string_view group,
                                                     std::string_view version, bool preferred) {
  const auto* root = doc.if_object();
  const auto* list = root ? find_array(*root, "resources") : nullptr;
  if (!list) return fail(Errc::internal, "APIResourceList without resources");
  std::vector<ApiResource> out;
  std::vector<std::pair<std::string, std::string>> subs;
  for (const auto& rv : *list) {
    const auto* r = rv.if_object();
    if (!r) continue;
    const std::string name(string_or(*r, "name"));
    if (const auto slash = name.find('/'); slash != std::string::npos) {
      subs.emplace_back(name.substr(0, slash), name.substr(slash + 1));
      continue;
    }
    ApiResource a;
    a.group = std::string(group);
    a.version = std::string(version);
    a.preferred = preferred;
    a.resource = name;
    a.singular = std::string(string_or(*r, "singularName"));
    a.kind = std::string(string_or(*r, "kind"));
    a.namespaced = find_bool(*r, "namespaced").value_or(false);
    a.verbs = strings(*r, "verbs");
    a.short_names = strings(*r, "shortNames");
    a.categories = strings(*r, "categories");
    if (a.singular.empty()) a.singular = lower(a.kind);
    out.push_back(std::move(a));
  }
  for (const auto& [parent, sub] : subs) {
    for (auto& a : out) {
      if (a.resource == parent) a.subresources.push_back(sub);
    }
  }
  return out;
}

Result<Resolution> resolve_resource(const std::vector<ApiResource>& resources, std::string_view type,
                                    std::string_view api_group) {
  std::string name = lower(type);
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
  if (name.empty()) return fail(Errc::invalid_argument, "resourceType is empty (e.g. pods, deployments.apps)");

  // apiGroup: "apps", "apps/v1", "core", "" (any).
  std::string want_group, want_version;
  bool group_given = false;
  if (!api_group.empty()) {
    std::string g = lower(api_group);
    if (auto slash = g.find('/'); slash != std::string::npos) {
      want_version = g.substr(slash + 1);
      g = g.substr(0, slash);
    } else if (g == "v1") {  // "v1" alone means the core group's v1
      want_version = "v1";
      g = "";
    }
    want_group = g == "core" ? "" : g;
    group_given = true;
  }

  struct Query {
    std::string name, group, version;
    bool group_given;
  };
  std::vector<Query> queries;
  if (auto dot = name.find('.'); dot != std::string::npos && !group_given) {
    // resource.group or resource.version.group (kubectl's fully qualified forms).
    const std::string base = name.substr(0, dot), rest = name.substr(dot + 1);
    queries.push_back({base, rest, "", true});
    if (auto dot2 = rest.find('.'); dot2 != std::string::npos && looks_like_version(rest.substr(0, dot2))) {
      queries.push_back({base, rest.substr(dot2 + 1), rest.substr(0, dot2), true});
    }
    if (auto dot2 = rest.find('.'); dot2 == std::string::npos && looks_like_version(rest)) {
      queries.push_back({base, "", rest, true});  // "pods.v1" = core v1
    }
  } else {
    queries.push_back({name, want_group, want_version, group_given});
  }

  std::vector<const ApiResource*> matches;
  for (const auto& q : queries) {
    for (const auto& r : resources) {
      if (q.group_given && r.group != q.group) continue;
      if (!q.version.empty() && r.version != q.version) continue;
      const bool hit = r.resource == q.name || r.singular == q.name || lower(r.kind) == q.name ||
                       std::ranges::find(r.short_names, q.name) != r.short_names.end();
      if (hit) matches.push_back(&r);
    }
    if (!matches.empty()) break;
  }

  if (matches.empty()) {
    // "Did you mean": only names within 2 edits, so only candidates within 2 characters of the
    // same length are compared, and only for a name of sensible length: the work is bounded
    // whatever the input (a 1 MB resourceType once froze every client for 25 s).
    std::set<std::string> close;
    constexpr std::size_t kMaxSuggestLength = 64;
    if (name.size() <= kMaxSuggestLength) {
      for (const auto& r : resources) {
        for (const auto& cand : {r.resource, r.singular, lower(r.kind)}) {
          if (cand.empty() || cand.size() + 2 < name.size() || name.size() + 2 < cand.size()) continue;
          if (edit_distance(cand, name) <= 2) close.insert(r.qualified_name());
        }
      }
    }
    std::string hint = close.empty() ? std::string() : fmt::format("; did you mean {}?", fmt::join(close, ", "));
    const auto scope = group_given ? fmt::format(" in API group \"{}\"", clip(api_group)) : std::string();
    return fail(Errc::not_found, fmt::format("the server has no resource type \"{}\"{}{} (k8s_get_api_resources lists "
                                             "them all)",
                                             clip(type), scope, hint));
  }

  std::ranges::stable_sort(matches, [](const ApiResource* a, const ApiResource* b) {
    if (group_rank(a->group) != group_rank(b->group)) return group_rank(a->group) < group_rank(b->group);
    return a->preferred && !b->preferred;
  });
  // Keep to the chosen group for "what else matched": other versions of it are not ambiguity.
  const ApiResource* chosen = matches.front();
  std::set<std::string> others;
  for (const auto* m : matches) {
    if (m->group != chosen->group) others.insert(m->qualified_name());
  }
  Resolution res{*chosen, {}};
  if (!others.empty()) {
    res.note = fmt::format(
        "\"{}\" is ambiguous: using {} ({}); also matches {} — pass apiGroup or use "
        "resource.group to choose",
        clip(type), chosen->qualified_name(), chosen->group_version(), fmt::join(others, ", "));
  }
  return res;
}

}  // namespace mcpk::kube
