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
#include "mcp/schema_detail.hpp"

namespace mcpk::mcp {
namespace {

using namespace schema_detail;

// ---------------------------------------------------------------------------------------------
// Validation

// A path for messages; a long name (an unknown argument can be any key) is cut, never echoed whole.
std::string child_path(const std::string& parent, std::string_view name) {
  std::string shown(first_code_points(name, kShortScalar));
  if (shown.size() < name.size()) shown += "...";
  if (parent.empty()) return shown;
  return fmt::format("{}.{}", parent, shown);
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

}  // namespace

Result<void> schema_detail::validate_value(const json::object& s, json::value& v, const Wording& wording) {
  return Validator(wording).value(s, v, "", 1);
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
