#include "tools/manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <charconv>
#include <regex>

namespace mcpk::tools {
namespace {

json::value scalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return json::value(s);  // quoted: always a string
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex kInt(R"(^[-+]?[0-9]+$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (s.size() < 40 && std::regex_match(s, kInt)) {
    std::int64_t v = 0;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    if (auto [p, ec] = std::from_chars(b, s.data() + s.size(), v); ec == std::errc{}) return v;
  }
  if (s.size() < 40 && std::regex_match(s, kFloat)) {
    try {
      return std::stod(s);
    } catch (const std::exception&) {
    }
  }
  return json::value(s);
}

// `budget` counts the nodes still allowed. Without aliases a document holds fewer nodes than
// half its bytes; aliases can make a few hundred bytes expand to billions (a "billion laughs"),
// which would hold the server's only I/O thread and its memory: past the budget, refuse.
Result<json::value> convert(const YAML::Node& n, int depth, std::size_t& budget) {
  if (depth > 100) return fail(Errc::invalid_argument, "YAML nested too deeply");
  if (budget == 0) {
    return fail(Errc::invalid_argument,
                "the YAML expands to far more values than its size holds (aliases repeated into a \"billion "
                "laughs\"); write the values out");
  }
  --budget;
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return json::value(nullptr);
    case YAML::NodeType::Scalar:
      return scalar(n);
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& item : n) {
        auto v = convert(item, depth + 1, budget);
        if (!v) return v;
        a.push_back(std::move(*v));
      }
      return json::value(std::move(a));
    }
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) return fail(Errc::invalid_argument, "YAML mapping keys must be scalars");
        auto v = convert(kv.second, depth + 1, budget);
        if (!v) return v;
        o[kv.first.Scalar()] = std::move(*v);
      }
      return json::value(std::move(o));
    }
  }
  return json::value(nullptr);
}

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

Result<std::vector<json::value>> parse_yaml_documents(std::string_view text) {
  std::vector<json::value> out;
  std::size_t budget = text.size() / 2 + 10'000;
  try {
    for (const auto& doc : YAML::LoadAll(std::string(text))) {
      if (doc.IsNull()) continue;
      auto v = convert(doc, 0, budget);
      if (!v) return std::unexpected(v.error());
      out.push_back(std::move(*v));
    }
  } catch (const YAML::Exception& e) {
    return fail(Errc::invalid_argument,
                fmt::format("invalid YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return out;
}

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
