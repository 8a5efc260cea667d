#include "core/duration.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cmath>
#include <istream>
#include <ostream>

namespace mcpk {

Result<Millis> parse_duration(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return fail(Errc::invalid_argument,
                fmt::format("invalid duration \"{}\": {} (examples: 500ms, 30s, 5m, 1h30m)", text, why));
  };
  if (text == "0") return Millis{0};
  if (text.empty()) return bad("empty");
  double total_ms = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    double value = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc{} || !std::isfinite(value) || value < 0) return bad("expected a non-negative number");
    rest.remove_prefix(static_cast<std::size_t>(ptr - rest.data()));
    double unit_ms = 0;
    if (rest.starts_with("ms")) {
      unit_ms = 1, rest.remove_prefix(2);
    } else if (rest.starts_with("s")) {
      unit_ms = 1000, rest.remove_prefix(1);
    } else if (rest.starts_with("m")) {
      unit_ms = 60'000, rest.remove_prefix(1);
    } else if (rest.starts_with("h")) {
      unit_ms = 3'600'000, rest.remove_prefix(1);
    } else {
      return bad("missing or unknown unit (ms, s, m, h)");
    }
    total_ms += value * unit_ms;
  }
  if (total_ms > 1e15) return bad("too large");
  return Millis{static_cast<long long>(total_ms + 0.5)};
}

std::string format_duration(Millis d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 1000 != 0) return fmt::format("{}ms", ms);
  auto s = ms / 1000;
  std::string out;
  if (s >= 3600) out += fmt::format("{}h", s / 3600), s %= 3600;
  if (s >= 60) out += fmt::format("{}m", s / 60), s %= 60;
  if (s > 0) out += fmt::format("{}s", s);
  return out;
}

std::istream& operator>>(std::istream& in, Duration& d) {
  std::string text;
  in >> text;
  if (auto parsed = parse_duration(text)) {
    d.value = *parsed;
  } else {
    in.setstate(std::ios::failbit);
  }
  return in;
}

std::ostream& operator<<(std::ostream& out, const Duration& d) { return out << format_duration(d.value); }

}  // namespace mcpk
