/// @file
/// @brief JSON (Boost.JSON) with the few helpers every layer uses.
///
/// `json::value` / `json::object` / `json::array` are Boost.JSON's types. Parsing is bounded
/// (depth, size) and never throws; accessors return nullptr or a default instead of throwing.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mcpk {

namespace json = boost::json;

/// Parses one JSON text. Errors (Errc::invalid_argument) say what and where, e.g.
/// "invalid JSON at offset 17: syntax error". Nesting deeper than `max_depth` is refused.
Result<json::value> parse_json(std::string_view text, std::size_t max_depth = 64);

/// Compact serialisation.
std::string to_json(const json::value& v);

/// Member lookup that never throws: nullptr when `o` has no `key`.
const json::value* find(const json::object& o, std::string_view key) noexcept;
/// The member as a string, or nullptr when absent or not a string.
const json::string* find_string(const json::object& o, std::string_view key) noexcept;
/// The member as an object, or nullptr when absent or not an object.
const json::object* find_object(const json::object& o, std::string_view key) noexcept;
/// The member as an array, or nullptr when absent or not an array.
const json::array* find_array(const json::object& o, std::string_view key) noexcept;
/// The member as an integer (int64, uint64 or a float with an integral value), if it is one.
std::optional<std::int64_t> find_int(const json::object& o, std::string_view key) noexcept;
/// The member as a bool, if it is one.
std::optional<bool> find_bool(const json::object& o, std::string_view key) noexcept;

/// `o[key]` as std::string_view, or `fallback` when absent or not a string.
std::string_view string_or(const json::object& o, std::string_view key, std::string_view fallback = {}) noexcept;

/// Follows a path of object keys ("metadata", "name"); nullptr when any step is missing.
const json::value* find_path(const json::value& v, std::initializer_list<std::string_view> path) noexcept;

/// How many values `v` holds, itself included (a YAML alias budget, size checks).
std::size_t count_values(const json::value& v);

}  // namespace mcpk
