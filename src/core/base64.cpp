#include "core/base64.hpp"

#include <algorithm>
#include <array>

namespace mcpk {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<signed char, 256> make_table(std::string_view alphabet) {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
  return t;
}
constexpr auto kTable = make_table(kAlphabet);
constexpr auto kUrlTable = make_table(kUrlAlphabet);

std::string encode(std::string_view in, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (const auto rest = in.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(rest == 2 ? 1 : 2, '=');
  }
  return out;
}

}  // namespace

std::string base64_encode(std::string_view in) { return encode(in, kAlphabet, true); }

Result<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  unsigned acc = 0;
  int bits = 0, padding = 0, chars = 0;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      ++chars;
      continue;
    }
    const int v = kTable[static_cast<unsigned char>(c)];
    if (v < 0 || padding > 0) return fail(Errc::invalid_argument, "invalid base64: unexpected character");
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    ++chars;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (chars % 4 != 0 || padding > 2) return fail(Errc::invalid_argument, "invalid base64: bad length or padding");
  return out;
}

std::string base64url_encode(std::string_view in) { return encode(in, kUrlAlphabet, false); }

Result<std::string> base64url_decode(std::string_view text) {
  // Padding, when present, is one or two '=' that complete the last group of four.
  const std::size_t data_len = std::min(text.find_first_not_of(kUrlAlphabet), text.size());
  const std::size_t padding = text.size() - data_len;
  if (padding > 0) {
    if (padding > 2 || text.substr(data_len).find_first_not_of('=') != std::string_view::npos) {
      return fail(Errc::invalid_argument, "invalid base64url: unexpected character");
    }
    if (text.size() % 4 != 0 || (data_len % 4) + padding != 4) {
      return fail(Errc::invalid_argument, "invalid base64url: bad padding");
    }
  }
  if (data_len % 4 == 1) return fail(Errc::invalid_argument, "invalid base64url: bad length");

  std::string out;
  out.reserve(data_len / 4 * 3 + 2);
  unsigned acc = 0;
  int bits = 0;
  for (const char c : text.substr(0, data_len)) {
    acc = ((acc << 6) | static_cast<unsigned>(kUrlTable[static_cast<unsigned char>(c)])) & 0xffffu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // The bits left over after the last whole byte must be zero (one canonical encoding).
  if ((acc & ((1u << bits) - 1)) != 0) return fail(Errc::invalid_argument, "invalid base64url: non-canonical");
  return out;
}

}  // namespace mcpk
