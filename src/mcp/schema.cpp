#include "mcp/schema.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace mcpk::mcp {
namespace {

/// Deepest nesting of arrays/objects accepted in arguments (the arguments object is level 1),
/// and of schemas at registration.
constexpr std::size_t kMaxDepth = 64;
/// Scalars up to this many code points are quoted in messages.
constexpr std::size_t kShortScalar = 40;
/// libstdc++'s std::regex matches recursively (about half a kilobyte of stack per character),
/// so a pattern is only ever run on strings up to this many bytes.
constexpr std::size_t kMaxPatternSubject = 2048;

constexpr std::array<std::string_view, 7> kTypeNames = {"string", "integer", "number", "boolean",
                                                        "object", "array",   "null"};

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

// ---------------------------------------------------------------------------------------------
// Validation

/// How messages name things: "arguments" / "argument 'x'" for tool arguments, "default" /
/// "field 'x'" when checking a schema's own default value.
struct Wording {
  std::string_view root;
  std::string_view noun;
};

constexpr Wording kArguments{"arguments", "argument"};
constexpr Wording kDefault{"default", "field"};

std::string child_path(const std::string& parent, std::string_view name) {
  if (parent.empty()) return std::string(name);
  return fmt::format("{}.{}", parent, name);
}

std::string index_path(const std::string& parent, std::size_t i) { return fmt::format("{}[{}]", parent, i); }

class Validator {
 public:
  explicit Validator(Wording wording) : wording_(wording) {}

  Result<void> value(const json::object& s, json::value& v, const std::string& path, std::size_t depth) {
    if (depth > kMaxDepth) return bad(path, fmt::format("nested too deeply (more than {} levels)", kMaxDepth));

    if (const auto types = types_of(s); !types.empty()) {
      if (std::none_of(types.begin(), types.end(), [&](auto t) { return matches_type(t, v); })) {
        return bad(path, fmt::format("expected {}, got {}", join_or(types), describe(v)));
      }
    }
    if (const auto* e = find_array(s, "enum")) {
      if (std::find(e->begin(), e->end(), v) == e->end()) {
        std::string allowed;
        for (const auto& x : *e) {
          if (!allowed.empty()) allowed += ", ";
          allowed += x.is_string() ? std::string(x.get_string()) : brief(x);
        }
        return bad(path, fmt::format("must be one of: {} (got {})", allowed, brief(v)));
      }
    }
    if (const auto* c = find(s, "const"); c && *c != v) {
      return bad(path, fmt::format("must be {} (got {})",
                                   c->is_object() || c->is_array() ? json::serialize(*c) : brief(*c), brief(v)));
    }

    Result<void> r;
    if (is_number(v)) {
      r = number(s, v, path);
    } else if (const auto* str = v.if_string()) {
      r = string(s, *str, path);
    } else if (auto* arr = v.if_array()) {
      r = array(s, *arr, path, depth);
    } else if (auto* obj = v.if_object()) {
      r = object(s, *obj, path, depth);
    }
    if (!r) return r;
    return alternatives(s, v, path, depth);
  }

 private:
  std::string subject(const std::string& path) const {
    if (path.empty()) return std::string(wording_.root);
    return fmt::format("{} '{}'", wording_.noun, path);
  }

  std::unexpected<Error> bad(const std::string& path, std::string_view problem) const {
    return fail(Errc::invalid_argument, fmt::format("{}: {}", subject(path), problem));
  }

  Result<void> number(const json::object& s, const json::value& v, const std::string& path) const {
    if (const auto* m = find(s, "minimum"); m && is_number(*m) && compare_numbers(v, *m) < 0) {
      return bad(path, fmt::format("must be at least {} (got {})", format_number(*m), format_number(v)));
    }
    if (const auto* m = find(s, "maximum"); m && is_number(*m) && compare_numbers(v, *m) > 0) {
      return bad(path, fmt::format("must be at most {} (got {})", format_number(*m), format_number(v)));
    }
    if (const auto* m = find(s, "exclusiveMinimum"); m && is_number(*m) && !(compare_numbers(v, *m) > 0)) {
      return bad(path, fmt::format("must be greater than {} (got {})", format_number(*m), format_number(v)));
    }
    if (const auto* m = find(s, "exclusiveMaximum"); m && is_number(*m) && !(compare_numbers(v, *m) < 0)) {
      return bad(path, fmt::format("must be less than {} (got {})", format_number(*m), format_number(v)));
    }
    return {};
  }

  Result<void> string(const json::object& s, std::string_view v, const std::string& path) const {
    const std::size_t n = code_points(v);
    if (const auto* m = find(s, "minLength")) {
      if (const auto min = as_count(*m); min && n < *min) {
        return bad(path, fmt::format("must be at least {} character{} long (got {})", *min, *min == 1 ? "" : "s", n));
      }
    }
    if (const auto* m = find(s, "maxLength")) {
      if (const auto max = as_count(*m); max && n > *max) {
        return bad(path, fmt::format("must be at most {} character{} long (got {})", *max, *max == 1 ? "" : "s", n));
      }
    }
    if (const auto* p = find_string(s, "pattern")) {
      if (v.size() > kMaxPatternSubject) {
        return bad(path, fmt::format("too long to check against pattern '{}' (at most {} bytes)", std::string_view(*p),
                                     kMaxPatternSubject));
      }
      try {
        const std::regex re(p->begin(), p->end(), std::regex::ECMAScript);
        if (!std::regex_search(v.begin(), v.end(), re)) {
          return bad(path, fmt::format("must match pattern '{}' (got {})", std::string_view(*p),
                                       brief(json::value(json::string_view(v)))));
        }
      } catch (const std::regex_error& e) {
        return bad(path, fmt::format("could not be checked against pattern '{}': {}", std::string_view(*p), e.what()));
      }
    }
    return {};
  }

  Result<void> array(const json::object& s, json::array& a, const std::string& path, std::size_t depth) {
    if (const auto* m = find(s, "minItems")) {
      if (const auto min = as_count(*m); min && a.size() < *min) {
        return bad(path, fmt::format("must have at least {} item{} (got {})", *min, *min == 1 ? "" : "s", a.size()));
      }
    }
    if (const auto* m = find(s, "maxItems")) {
      if (const auto max = as_count(*m); max && a.size() > *max) {
        return bad(path, fmt::format("must have at most {} item{} (got {})", *max, *max == 1 ? "" : "s", a.size()));
      }
    }
    if (find_bool(s, "uniqueItems").value_or(false)) {
      for (std::size_t i = 1; i < a.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (a[i] == a[j]) {
            return bad(path,
                       fmt::format("items must be unique ({} repeats {})", index_path(path, i), index_path(path, j)));
          }
        }
      }
    }
    if (const auto* items = find_object(s, "items")) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (auto r = value(*items, a[i], index_path(path, i), depth + 1); !r) return r;
      }
    }
    return {};
  }

  Result<void> object(const json::object& s, json::object& o, const std::string& path, std::size_t depth) {
    static const json::object kNoProperties;
    const json::object* props = find_object(s, "properties");
    if (!props) props = &kNoProperties;
    const json::value* additional = find(s, "additionalProperties");

    // Unknown properties first, so that a misspelt name is reported as such rather than as
    // the missing required property it was meant to be.
    if (additional && additional->is_bool() && !additional->get_bool()) {
      for (const auto& kv : o) {
        if (props->contains(kv.key())) continue;
        std::vector<std::string_view> names;
        names.reserve(props->size());
        for (const auto& p : *props) names.push_back(p.key());
        std::sort(names.begin(), names.end());
        std::string valid;
        for (auto n : names) {
          if (!valid.empty()) valid += ", ";
          valid += n;
        }
        std::string msg = fmt::format("unknown {} '{}' ({})", wording_.noun, child_path(path, kv.key()),
                                      names.empty() ? std::string("none are accepted here") : "valid: " + valid);
        if (const auto guess = closest(kv.key(), names, o)) msg += fmt::format("; did you mean '{}'?", *guess);
        return fail(Errc::invalid_argument, std::move(msg));
      }
    }

    for (const auto& p : *props) {
      if (o.contains(p.key())) continue;
      if (const auto* ps = p.value().if_object()) {
        if (const auto* d = find(*ps, "default")) o[p.key()] = *d;
      }
    }

    if (const auto* req = find_array(s, "required")) {
      for (const auto& r : *req) {
        if (const auto* name = r.if_string(); name && !o.contains(*name)) {
          return fail(Errc::invalid_argument,
                      fmt::format("missing required {} '{}'", wording_.noun, child_path(path, *name)));
        }
      }
    }

    for (const auto& p : *props) {
      const auto* ps = p.value().if_object();
      auto* member = o.if_contains(p.key());
      if (!ps || !member) continue;
      if (auto r = value(*ps, *member, child_path(path, p.key()), depth + 1); !r) return r;
    }

    if (const auto* extra = additional ? additional->if_object() : nullptr) {
      for (auto& kv : o) {
        if (props->contains(kv.key())) continue;
        if (auto r = value(*extra, kv.value(), child_path(path, kv.key()), depth + 1); !r) return r;
      }
    }
    return {};
  }

  /// anyOf / oneOf. The alternative that matched is applied to a copy, so the defaults it fills
  /// in are kept only when it is the one that counts.
  Result<void> alternatives(const json::object& s, json::value& v, const std::string& path, std::size_t depth) {
    for (const std::string_view keyword : {"anyOf", "oneOf"}) {
      const auto* alts = find_array(s, keyword);
      if (!alts) continue;
      const bool exactly_one = keyword == "oneOf";
      std::optional<json::value> chosen;
      std::size_t matched = 0;
      std::vector<Error> errors(alts->size());
      for (std::size_t i = 0; i < alts->size(); ++i) {
        const auto* alt = (*alts)[i].if_object();
        if (!alt) continue;
        json::value copy = v;
        if (auto r = value(*alt, copy, path, depth); r) {
          ++matched;
          if (!chosen) chosen = std::move(copy);
          if (!exactly_one) break;
        } else {
          errors[i] = std::move(r.error());
        }
      }
      std::string list;
      for (const auto& alt : *alts) {
        if (!list.empty()) list += ", ";
        list += describe_alternative(alt);
      }
      if (matched == 0) {
        // When only one alternative is of the value's type, its own complaint is the useful one.
        std::optional<std::size_t> only;
        std::size_t fitting = 0;
        for (std::size_t i = 0; i < alts->size(); ++i) {
          const auto* alt = (*alts)[i].if_object();
          if (alt && type_fits(*alt, v)) {
            ++fitting;
            only = i;
          }
        }
        if (fitting == 1) return std::unexpected(std::move(errors[*only]));
        return bad(path,
                   fmt::format("must match {}one of: {} (got {})", exactly_one ? "exactly " : "", list, describe(v)));
      }
      if (exactly_one && matched > 1) {
        return bad(path, fmt::format("must match exactly one of: {} (matched {})", list, matched));
      }
      v = std::move(*chosen);
    }
    return {};
  }

  Wording wording_;
};

// ---------------------------------------------------------------------------------------------
// Registration-time schema check

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer(const std::string& parent, std::string_view key) {
  return fmt::format("{}/{}", parent, pointer_token(key));
}

std::unexpected<Error> schema_error(const std::string& ptr, std::string_view problem) {
  return fail(Errc::invalid_argument, fmt::format("invalid schema at {}: {}", ptr, problem));
}

class SchemaChecker {
 public:
  Result<void> node(const json::object& s, const std::string& ptr, std::size_t depth) {
    if (depth > kMaxDepth) return schema_error(ptr, fmt::format("nested more than {} levels deep", kMaxDepth));
    for (const auto& kv : s) {
      if (auto r = keyword(kv.key(), kv.value(), pointer(ptr, kv.key()), depth); !r) return r;
    }
    if (const auto* req = find_array(s, "required")) {
      const auto* props = find_object(s, "properties");
      for (std::size_t i = 0; i < req->size(); ++i) {
        const auto& name = (*req)[i].get_string();  // checked to be strings by keyword()
        if (!props || !props->contains(name)) {
          return schema_error(
              pointer(pointer(ptr, "required"), std::to_string(i)),
              fmt::format("required property '{}' is not declared in properties", std::string_view(name)));
        }
      }
    }
    if (const auto* d = find(s, "default")) {
      json::value copy = *d;
      if (auto r = Validator(kDefault).value(s, copy, "", 1); !r) {
        return schema_error(pointer(ptr, "default"),
                            fmt::format("default does not validate against its schema: {}", r.error().message));
      }
    }
    return {};
  }

 private:
  Result<void> sub(const json::value& v, const std::string& ptr, std::size_t depth) {
    const auto* o = v.if_object();
    if (!o) return schema_error(ptr, "must be a schema object");
    return node(*o, ptr, depth + 1);
  }

  static Result<void> type_name(const json::value& v, const std::string& ptr) {
    const auto* s = v.if_string();
    if (!s || std::find(kTypeNames.begin(), kTypeNames.end(), std::string_view(*s)) == kTypeNames.end()) {
      return schema_error(ptr, fmt::format("unknown type {} (use string, integer, number, boolean, object, array or "
                                           "null)",
                                           brief(v)));
    }
    return {};
  }

  Result<void> keyword(std::string_view k, const json::value& v, const std::string& ptr, std::size_t depth) {
    if (k == "type") {
      if (const auto* a = v.if_array()) {
        if (a->empty()) return schema_error(ptr, "must not be an empty array");
        for (std::size_t i = 0; i < a->size(); ++i) {
          if (auto r = type_name((*a)[i], pointer(ptr, std::to_string(i))); !r) return r;
          if (std::find(a->begin(), a->begin() + static_cast<std::ptrdiff_t>(i), (*a)[i]) !=
              a->begin() + static_cast<std::ptrdiff_t>(i)) {
            return schema_error(pointer(ptr, std::to_string(i)), "duplicate type");
          }
        }
        return {};
      }
      return type_name(v, ptr);
    }
    if (k == "properties") {
      const auto* o = v.if_object();
      if (!o) return schema_error(ptr, "must be an object mapping property names to schemas");
      for (const auto& p : *o) {
        if (auto r = sub(p.value(), pointer(ptr, p.key()), depth); !r) return r;
      }
      return {};
    }
    if (k == "required") {
      const auto* a = v.if_array();
      if (!a) return schema_error(ptr, "must be an array of property names");
      for (std::size_t i = 0; i < a->size(); ++i) {
        if (!(*a)[i].is_string()) return schema_error(pointer(ptr, std::to_string(i)), "must be a string");
      }
      return {};
    }
    if (k == "additionalProperties") {
      if (v.is_bool()) return {};
      return sub(v, ptr, depth);
    }
    if (k == "items") return sub(v, ptr, depth);
    if (k == "anyOf" || k == "oneOf") {
      const auto* a = v.if_array();
      if (!a || a->empty()) return schema_error(ptr, "must be a non-empty array of schemas");
      for (std::size_t i = 0; i < a->size(); ++i) {
        if (auto r = sub((*a)[i], pointer(ptr, std::to_string(i)), depth); !r) return r;
      }
      return {};
    }
    if (k == "enum") {
      const auto* a = v.if_array();
      if (!a || a->empty()) return schema_error(ptr, "must be a non-empty array");
      return {};
    }
    if (k == "const" || k == "default" || k == "$schema") return {};  // default: checked by node()
    if (k == "minimum" || k == "maximum" || k == "exclusiveMinimum" || k == "exclusiveMaximum") {
      if (!is_number(v)) return schema_error(ptr, "must be a number");
      return {};
    }
    if (k == "minLength" || k == "maxLength" || k == "minItems" || k == "maxItems") {
      if (!as_count(v)) return schema_error(ptr, "must be a non-negative integer");
      return {};
    }
    if (k == "uniqueItems") {
      if (!v.is_bool()) return schema_error(ptr, "must be a boolean");
      return {};
    }
    if (k == "pattern") {
      const auto* p = v.if_string();
      if (!p) return schema_error(ptr, "must be a string (an ECMAScript regular expression)");
      try {
        const std::regex re(p->begin(), p->end(), std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return schema_error(ptr, fmt::format("invalid regular expression '{}': {}", std::string_view(*p), e.what()));
      }
      return {};
    }
    if (k == "title" || k == "description" || k == "format") {
      if (!v.is_string()) return schema_error(ptr, "must be a string");
      return {};
    }
    if (k == "examples") {
      if (!v.is_array()) return schema_error(ptr, "must be an array");
      return {};
    }
    return schema_error(ptr, fmt::format("unsupported keyword '{}'", k));
  }
};

}  // namespace

Result<void> check_schema(const json::object& schema) {
  try {
    const auto* type = find_string(schema, "type");
    if (!type || *type != "object") return schema_error("#/type", "the root schema must be {\"type\": \"object\"}");
    return SchemaChecker().node(schema, "#", 1);
  } catch (const std::exception& e) {
    return fail(Errc::internal, fmt::format("checking schema: {}", e.what()));
  }
}

Result<void> validate_and_fill(const json::object& schema, json::object& args) {
  for (const auto& kv : args) {
    if (too_deep(kv.value(), 2)) {
      return fail(Errc::invalid_argument, fmt::format("argument '{}': nested too deeply (more than {} levels)",
                                                      std::string_view(kv.key()), kMaxDepth));
    }
  }
  json::value root(std::move(args));
  Result<void> r;
  try {
    r = Validator(kArguments).value(schema, root, "", 1);
  } catch (const std::exception& e) {
    r = fail(Errc::internal, fmt::format("validating arguments: {}", e.what()));
  }
  args = std::move(root.as_object());
  return r;
}

}  // namespace mcpk::mcp
