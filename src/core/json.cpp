#include "core/json.hpp"

#include <fmt/format.h>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

namespace mcpk {
namespace {

bool has_non_finite(const json::value& v) {
  if (v.is_double()) return !std::isfinite(v.get_double());
  if (const auto* a = v.if_array()) {
    for (const auto& x : *a) {
      if (has_non_finite(x)) return true;
    }
  } else if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) {
      if (has_non_finite(kv.value())) return true;
    }
  }
  return false;
}

}  // namespace

Result<json::value> parse_json(std::string_view text, std::size_t max_depth) {
  json::parse_options opts;
  opts.max_depth = max_depth;
  json::parser p(json::storage_ptr{}, opts);
  boost::system::error_code ec;
  const std::size_t n = p.write(text.data(), text.size(), ec);
  if (ec) {
    return fail(Errc::invalid_argument, fmt::format("invalid JSON at offset {}: {}", n, ec.message()));
  }
  auto v = p.release();
  // Boost.JSON 1.81 reads a number beyond double's range (1e400) as infinity, which no JSON
  // can carry onward: refuse it here, as other parsers do.
  if (has_non_finite(v)) return fail(Errc::invalid_argument, "invalid JSON: a number is out of range");
  return v;
}

std::string to_json(const json::value& v) { return json::serialize(v); }

const json::value* find(const json::object& o, std::string_view key) noexcept { return o.if_contains(key); }

const json::string* find_string(const json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

const json::object* find_object(const json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const json::array* find_array(const json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

std::optional<std::int64_t> find_int(const json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (d == static_cast<double>(static_cast<std::int64_t>(d))) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<bool> find_bool(const json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  if (v && v->is_bool()) return v->get_bool();
  return std::nullopt;
}

std::string_view string_or(const json::object& o, std::string_view key, std::string_view fallback) noexcept {
  const auto* s = find_string(o, key);
  return s ? std::string_view(*s) : fallback;
}

const json::value* find_path(const json::value& v, std::initializer_list<std::string_view> path) noexcept {
  const json::value* cur = &v;
  for (auto key : path) {
    const auto* o = cur->if_object();
    if (!o) return nullptr;
    cur = o->if_contains(key);
    if (!cur) return nullptr;
  }
  return cur;
}

std::size_t count_values(const json::value& v) {
  std::size_t n = 1;
  if (const auto* a = v.if_array()) {
    for (const auto& x : *a) n += count_values(x);
  } else if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) n += count_values(kv.value());
  }
  return n;
}

}  // namespace mcpk
