#include <fmt/format.h>
#include <algorithm>
#include <exception>
#include <regex>

#include "mcp/schema.hpp"
#include "mcp/schema_detail.hpp"

namespace mcpk::mcp {
namespace {

using namespace schema_detail;

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
      if (auto r = validate_value(s, copy, kDefault); !r) {
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

}  // namespace mcpk::mcp
