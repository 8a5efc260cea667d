#include "tools/manifest.hpp"

#include <fmt/format.h>

namespace mcpk::tools {
namespace {

Result<void> check_object(const json::object& o, std::size_t index) {
  const auto where = fmt::format("document {}", index + 1);
  if (string_or(o, "apiVersion").empty()) return fail(Errc::invalid_argument, where + " has no apiVersion");
  if (string_or(o, "kind").empty()) return fail(Errc::invalid_argument, where + " has no kind");
  const auto* meta = find_object(o, "metadata");
  if (!meta || (string_or(*meta, "name").empty() && string_or(*meta, "generateName").empty())) {
    return fail(Errc::invalid_argument, fmt::format("{} ({}) has no metadata.name", where, string_or(o, "kind")));
  }
  return {};
}

}  // namespace

Result<std::vector<json::object>> manifest_objects(const json::value& manifest) {
  std::vector<json::value> docs;
  if (manifest.is_object()) {
    docs.push_back(manifest);
  } else if (manifest.is_string()) {
    auto parsed = parse_yaml_documents(manifest.get_string());  // JSON is YAML too
    if (!parsed) return std::unexpected(parsed.error());
    docs = std::move(*parsed);
  } else {
    return fail(Errc::invalid_argument, "manifest must be an object or a YAML/JSON string");
  }
  std::vector<json::object> out;
  for (auto& d : docs) {
    if (!d.is_object()) return fail(Errc::invalid_argument, "every manifest document must be a mapping (an object)");
    auto& o = d.get_object();
    if (string_or(o, "kind").ends_with("List")) {
      auto* items = o.if_contains("items");
      if (!items || !items->is_array()) {
        return fail(Errc::invalid_argument, fmt::format("{} has no items array", string_or(o, "kind")));
      }
      for (auto& item : items->get_array()) {
        if (!item.is_object()) return fail(Errc::invalid_argument, "List items must be objects");
        out.push_back(std::move(item.get_object()));
      }
    } else {
      out.push_back(std::move(o));
    }
  }
  if (out.empty()) return fail(Errc::invalid_argument, "the manifest holds no objects");
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (auto ok = check_object(out[i], i); !ok) return std::unexpected(ok.error());
  }
  return out;
}

}  // namespace mcpk::tools
