#include "core/time.hpp"

#include <fmt/format.h>
#include <cctype>
#include <ctime>

namespace mcpk {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

Result<SysTime> parse_rfc3339(std::string_view s) {
  const auto bad = [&] {
    return fail(Errc::invalid_argument,
                fmt::format("\"{}\" is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)", s.substr(0, 64)));
  };
  int year, mon, day, hour, min, sec;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mon) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, min) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return bad();
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return bad();
  std::size_t pos = 19;
  long long nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int count = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (count < 9) nanos = nanos * 10 + (s[pos] - '0'), ++count;
      ++pos;
    }
    if (count == 0) return bad();
    while (count++ < 9) nanos *= 10;
  }
  long offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om)) {
      return bad();
    }
    offset_s = (oh * 3600L + om * 60L) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const std::time_t t = timegm(&tm);
  // system_clock counts nanoseconds in 64 bits: about 1678 to 2261. Outside, refuse (the
  // conversion would overflow).
  using std::chrono::seconds;
  const auto lowest = std::chrono::duration_cast<seconds>(std::chrono::system_clock::duration::min()).count() + 1;
  const auto highest = std::chrono::duration_cast<seconds>(std::chrono::system_clock::duration::max()).count() - 1;
  if (t - offset_s < lowest || t - offset_s > highest) return bad();
  return std::chrono::system_clock::from_time_t(t - offset_s) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(nanos));
}

std::string format_rfc3339(SysTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string format_age(std::chrono::seconds age) {
  const long long s = std::max<long long>(0, age.count());
  if (s < 120) return fmt::format("{}s", s);
  if (s < 7200) return fmt::format("{}m", s / 60);
  if (s < 172800) return fmt::format("{}h", s / 3600);
  if (s < 365LL * 86400 * 2) return fmt::format("{}d", s / 86400);
  return fmt::format("{}y", s / (365LL * 86400));
}

}  // namespace mcpk
