/// @file
/// @brief Internals shared by the schema validator (schema.cpp), the registration-time schema
/// check (schema_check.cpp) and their value helpers (schema_values.cpp). Not part of the mcp API.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace mcpk::mcp::schema_detail {

/// Deepest nesting of arrays/objects accepted in arguments (the arguments object is level 1),
/// and of schemas at registration.
inline constexpr std::size_t kMaxDepth = 64;
/// Scalars up to this many code points are quoted in messages.
inline constexpr std::size_t kShortScalar = 40;
/// libstdc++'s std::regex matches recursively (about half a kilobyte of stack per character),
/// so a pattern is only ever run on strings up to this many bytes.
inline constexpr std::size_t kMaxPatternSubject = 2048;

inline constexpr std::array<std::string_view, 7> kTypeNames = {"string", "integer", "number", "boolean",
                                                               "object", "array",   "null"};

bool is_number(const json::value& v) noexcept;
bool is_integral(const json::value& v) noexcept;
double to_double(const json::value& v) noexcept;
std::partial_ordering compare_numbers(const json::value& a, const json::value& b) noexcept;
std::optional<std::uint64_t> as_count(const json::value& v) noexcept;
std::size_t code_points(std::string_view s) noexcept;
std::string_view first_code_points(std::string_view s, std::size_t n) noexcept;
std::string format_number(const json::value& v);
std::string brief(const json::value& v);
std::string_view kind_name(const json::value& v) noexcept;
std::string describe(const json::value& v);
bool matches_type(std::string_view type, const json::value& v) noexcept;
std::vector<std::string_view> types_of(const json::object& s);
bool type_fits(const json::object& s, const json::value& v);
std::string join_or(const std::vector<std::string_view>& items);
std::string describe_alternative(const json::value& alt);
std::string lower_ascii(std::string_view s);
std::size_t edit_distance(std::string_view a, std::string_view b);
std::optional<std::string_view> closest(std::string_view key, const std::vector<std::string_view>& names,
                                        const json::object& skip);
bool too_deep(const json::value& v, std::size_t depth) noexcept;

/// How messages name things: "arguments" / "argument 'x'" for tool arguments, "default" /
/// "field 'x'" when checking a schema's own default value.
struct Wording {
  std::string_view root;
  std::string_view noun;
};

inline constexpr Wording kArguments{"arguments", "argument"};
inline constexpr Wording kDefault{"default", "field"};

/// Validates `v` against the schema `s` (filling defaults), naming things as `wording` says.
Result<void> validate_value(const json::object& s, json::value& v, const Wording& wording);

}  // namespace mcpk::mcp::schema_detail
