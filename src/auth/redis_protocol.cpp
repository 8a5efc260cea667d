#include "auth/redis_protocol.hpp"
#include "core/text.hpp"

#include <fmt/format.h>
#include <charconv>

namespace mcpk::auth {

namespace {

template <class Int>
bool to_int(std::string_view s, Int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string RedisEndpoint::name() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  RedisEndpoint ep;
  std::string_view rest = url;
  const bool has_scheme = rest.find("://") != std::string_view::npos;
  if (rest.starts_with("redis://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("rediss://")) {
    rest.remove_prefix(9);
    ep.tls = true;
  } else if (has_scheme) {
    return fail(Errc::invalid_argument, fmt::format("the Redis URL has the scheme \"{}\"; use redis:// or rediss://",
                                                    url.substr(0, std::min<std::size_t>(url.find("://"), 16))));
  }
  if (has_scheme) {
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
      const std::string_view userinfo = rest.substr(0, at);
      rest.remove_prefix(at + 1);
      const auto colon = userinfo.find(':');
      if (!percent_decode(userinfo.substr(0, colon), ep.username) ||
          (colon != std::string_view::npos && !percent_decode(userinfo.substr(colon + 1), ep.password))) {
        return fail(Errc::invalid_argument, "the user or password of the Redis URL has a bad %-escape");
      }
    }
    if (const auto q = rest.find_first_of("?#"); q != std::string_view::npos) {
      return fail(Errc::invalid_argument, "the Redis URL has a query or fragment, which is not supported");
    }
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
      const std::string_view path = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
      if (!path.empty() && (!to_int(path, ep.db) || ep.db < 0)) {
        return fail(Errc::invalid_argument,
                    fmt::format("the Redis URL's path must be a database number, not \"{}\"", path.substr(0, 32)));
      }
    }
  } else if (rest.find_first_of("/@?#") != std::string_view::npos) {
    return fail(Errc::invalid_argument, "a Redis address without a scheme is host:port; use redis:// for more");
  }
  std::string_view port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return fail(Errc::invalid_argument, "the Redis URL has an unclosed '['");
    ep.host = std::string(rest.substr(1, close - 1));
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return fail(Errc::invalid_argument, "the Redis URL has text after the IPv6 address");
    }
    if (!after.empty()) port = after.substr(1);
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    ep.host = std::string(rest.substr(0, colon));
    port = rest.substr(colon + 1);
  } else {
    ep.host = std::string(rest);
  }
  if (ep.host.empty()) return fail(Errc::invalid_argument, "the Redis URL has no host");
  if (ep.host.find_first_of(" \t\r\n/[]@") != std::string::npos) {
    return fail(Errc::invalid_argument, "the Redis URL's host has a character not allowed in a host");
  }
  if (!rest.starts_with('[') && ep.host.find(':') != std::string::npos) {
    return fail(Errc::invalid_argument, "write an IPv6 address of a Redis URL in brackets: [::1]:6379");
  }
  if (!port.empty() || rest.ends_with(':')) {
    int n = 0;
    if (!to_int(port, n) || n < 1 || n > 65535) {
      return fail(Errc::invalid_argument,
                  fmt::format("the Redis URL's port must be a number from 1 to 65535, not \"{}\"", port.substr(0, 16)));
    }
    ep.port = std::string(port);
  }
  return ep;
}

namespace {

// The line starting at `pos`, without its CRLF (done), or not complete yet (more), or too long (bad).
RespParse line_at(std::string_view in, std::size_t pos, std::string_view& line, std::string& why) {
  const auto end = in.find("\r\n", pos);
  if (end == std::string_view::npos) {
    if (in.size() - pos > kRespMaxLine) {
      why = fmt::format("a line longer than {} KiB", kRespMaxLine / 1024);
      return RespParse::bad;
    }
    return RespParse::more;
  }
  line = in.substr(pos, end - pos);
  return RespParse::done;
}

RespParse parse_at(std::string_view in, std::size_t& pos, RespValue& out, std::string& why, int depth) {
  if (pos >= in.size()) return RespParse::more;
  std::string_view line;
  if (auto st = line_at(in, pos + 1, line, why); st != RespParse::done) return st;
  const char kind = in[pos];
  const std::size_t next = pos + 1 + line.size() + 2;
  std::int64_t n = 0;
  switch (kind) {
    case '+':
    case '-':
      out.type = kind == '+' ? RespValue::Type::simple : RespValue::Type::error;
      out.text = std::string(line);
      pos = next;
      return RespParse::done;
    case ':':
      if (!to_int(line, out.integer)) {
        why = "an integer reply that is not a number";
        return RespParse::bad;
      }
      out.type = RespValue::Type::integer;
      pos = next;
      return RespParse::done;
    case '$':
      if (!to_int(line, n) || n < -1) {
        why = "a bulk string with a bad length";
        return RespParse::bad;
      }
      if (n == -1) {
        out.type = RespValue::Type::null;
        pos = next;
        return RespParse::done;
      }
      if (static_cast<std::uint64_t>(n) > kRespMaxBulk) {
        why = fmt::format("a bulk string of {} bytes, more than the {} MiB allowed", n, kRespMaxBulk / (1024 * 1024));
        return RespParse::bad;
      }
      if (in.size() - next < static_cast<std::size_t>(n) + 2) return RespParse::more;
      if (in.substr(next + static_cast<std::size_t>(n), 2) != "\r\n") {
        why = "a bulk string not ended by CRLF";
        return RespParse::bad;
      }
      out.type = RespValue::Type::bulk;
      out.text = std::string(in.substr(next, static_cast<std::size_t>(n)));
      pos = next + static_cast<std::size_t>(n) + 2;
      return RespParse::done;
    case '*': {
      if (!to_int(line, n) || n < -1 || n > kRespMaxElements) {
        why = "an array with a bad length";
        return RespParse::bad;
      }
      if (n == -1) {
        out.type = RespValue::Type::null;
        pos = next;
        return RespParse::done;
      }
      if (depth >= kRespMaxDepth) {
        why = "arrays nested too deep";
        return RespParse::bad;
      }
      std::size_t at = next;
      std::vector<RespValue> elements;
      for (std::int64_t i = 0; i < n; ++i) {
        RespValue element;
        if (auto st = parse_at(in, at, element, why, depth + 1); st != RespParse::done) return st;
        elements.push_back(std::move(element));
      }
      out.type = RespValue::Type::array;
      out.elements = std::move(elements);
      pos = at;
      return RespParse::done;
    }
    default:
      why = fmt::format("a reply starting with byte 0x{:02x}", static_cast<unsigned char>(kind));
      return RespParse::bad;
  }
}

}  // namespace

RespParse parse_resp(std::string_view in, std::size_t& pos, RespValue& out, std::string& why) {
  return parse_at(in, pos, out, why, 0);
}

std::string encode_command(const std::vector<std::string_view>& args) {
  std::string out = fmt::format("*{}\r\n", args.size());
  for (const auto& a : args) {
    out += fmt::format("${}\r\n", a.size());
    out += a;
    out += "\r\n";
  }
  return out;
}

}  // namespace mcpk::auth
