#include <fmt/format.h>
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "mcp/schema_detail.hpp"

namespace mcpk::mcp::schema_detail {

// ---------------------------------------------------------------------------------------------
// Value helpers

bool is_number(const json::value& v) noexcept { return v.is_int64() || v.is_uint64() || v.is_double(); }

bool is_integral(const json::value& v) noexcept {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  const double d = v.get_double();
  return std::isfinite(d) && std::trunc(d) == d;
}

double to_double(const json::value& v) noexcept {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

/// Numeric comparison of two JSON numbers; exact when both are integers.
std::partial_ordering compare_numbers(const json::value& a, const json::value& b) noexcept {
  if (a.is_double() || b.is_double()) return to_double(a) <=> to_double(b);
  if (a.is_int64() && b.is_int64()) return a.get_int64() <=> b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() <=> b.get_uint64();
  if (a.is_int64()) {  // b is uint64
    if (a.get_int64() < 0) return std::partial_ordering::less;
    return static_cast<std::uint64_t>(a.get_int64()) <=> b.get_uint64();
  }
  if (b.get_int64() < 0) return std::partial_ordering::greater;  // a is uint64
  return a.get_uint64() <=> static_cast<std::uint64_t>(b.get_int64());
}

/// A non-negative integer (count) from a schema keyword value.
std::optional<std::uint64_t> as_count(const json::value& v) noexcept {
  if (v.is_int64()) {
    if (v.get_int64() < 0) return std::nullopt;
    return static_cast<std::uint64_t>(v.get_int64());
  }
  if (v.is_uint64()) return v.get_uint64();
  if (is_integral(v) && v.get_double() >= 0 && v.get_double() < 1.8e19) {
    return static_cast<std::uint64_t>(v.get_double());
  }
  return std::nullopt;
}

std::size_t code_points(std::string_view s) noexcept {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// The first `n` code points of `s`.
std::string_view first_code_points(std::string_view s, std::size_t n) noexcept {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) return s.substr(0, i);
      ++seen;
    }
  }
  return s;
}

std::string format_number(const json::value& v) {
  if (v.is_int64()) return fmt::format("{}", v.get_int64());
  if (v.is_uint64()) return fmt::format("{}", v.get_uint64());
  return fmt::format("{}", v.get_double());
}

/// JSON-ish rendering for messages: numbers in plain notation, long strings cut short.
std::string brief(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return format_number(v);
    case json::kind::string: {
      const std::string_view s = v.get_string();
      if (code_points(s) <= kShortScalar) return json::serialize(s);
      return json::serialize(first_code_points(s, kShortScalar)) + "...";
    }
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "?";
}

/// The JSON Schema type name of a value ("integer" for int64/uint64, "number" for doubles).
std::string_view kind_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "value";
}

/// "string \"abc\"", "integer 3", "object", "null": what a value is, with the value itself
/// when it is a short scalar.
std::string describe(const json::value& v) {
  if (v.is_null() || v.is_array() || v.is_object()) return std::string(kind_name(v));
  if (v.is_string() && code_points(v.get_string()) > kShortScalar) return "string";
  return fmt::format("{} {}", kind_name(v), brief(v));
}

bool matches_type(std::string_view type, const json::value& v) noexcept {
  if (type == "string") return v.is_string();
  if (type == "integer") return is_integral(v);
  if (type == "number") return is_number(v);
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "null") return v.is_null();
  return false;
}

/// The declared type names of a schema; empty when it declares none (any type).
std::vector<std::string_view> types_of(const json::object& s) {
  std::vector<std::string_view> out;
  if (const auto* t = find(s, "type")) {
    if (const auto* str = t->if_string()) {
      out.emplace_back(*str);
    } else if (const auto* arr = t->if_array()) {
      for (const auto& e : *arr) {
        if (const auto* es = e.if_string()) out.emplace_back(*es);
      }
    }
  }
  return out;
}

bool type_fits(const json::object& s, const json::value& v) {
  const auto types = types_of(s);
  return types.empty() || std::any_of(types.begin(), types.end(), [&](auto t) { return matches_type(t, v); });
}

/// "a", "a or b", "a, b or c".
std::string join_or(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

/// Brief description of an anyOf/oneOf alternative: its type(s), else its const/enum.
std::string describe_alternative(const json::value& alt) {
  const auto* s = alt.if_object();
  if (!s) return "schema";
  const auto types = types_of(*s);
  if (!types.empty()) {
    std::string out;
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (i > 0) out += '|';
      out += types[i];
    }
    return out;
  }
  if (const auto* c = find(*s, "const")) return brief(*c);
  if (find(*s, "enum")) return "enum";
  return "any value";
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

/// The declared name closest to `key` (case-insensitive, distance ≤ 2), skipping names in `skip`.
std::optional<std::string_view> closest(std::string_view key, const std::vector<std::string_view>& names,
                                        const json::object& skip) {
  constexpr std::size_t kMaxDistance = 2;
  const std::string k = lower_ascii(key);
  std::optional<std::string_view> best;
  std::size_t best_distance = kMaxDistance + 1;
  for (auto name : names) {  // sorted, so ties go to the alphabetically first name
    if (skip.contains(name)) continue;
    const std::size_t diff = name.size() > k.size() ? name.size() - k.size() : k.size() - name.size();
    if (diff > kMaxDistance) continue;
    const std::size_t dist = edit_distance(k, lower_ascii(name));
    if (dist < best_distance) {
      best = name;
      best_distance = dist;
    }
  }
  return best;
}

/// True when `v` nests arrays/objects deeper than kMaxDepth (`depth` is the level of `v`).
bool too_deep(const json::value& v, std::size_t depth) noexcept {
  if (const auto* a = v.if_array()) {
    if (depth > kMaxDepth) return true;
    return std::any_of(a->begin(), a->end(), [&](const json::value& e) { return too_deep(e, depth + 1); });
  }
  if (const auto* o = v.if_object()) {
    if (depth > kMaxDepth) return true;
    return std::any_of(o->begin(), o->end(), [&](const auto& kv) { return too_deep(kv.value(), depth + 1); });
  }
  return false;
}

}  // namespace mcpk::mcp::schema_detail
