#include "core/redact.hpp"

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>

namespace mcpk {
namespace {

bool credential_like(std::string_view key) {
  static constexpr std::array<std::string_view, 9> kWords = {"token", "password", "passwd", "secret",    "key",
                                                             "code",  "auth",     "sig",    "credential"};
  std::string lower(key);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::ranges::any_of(kWords, [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

}  // namespace

std::string redact_secret(std::string_view value) { return value.empty() ? "<unset>" : "<redacted>"; }

std::string redact_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri_reference(text);
  if (!parsed) return std::string(text);
  boost::urls::url u(*parsed);
  if (u.has_password()) u.set_password("redacted");
  for (auto it = u.params().begin(); it != u.params().end(); ++it) {
    auto param = *it;
    if (credential_like(param.key) && param.has_value) {
      it = u.params().replace(it, {param.key, "redacted"});
    }
  }
  return std::string(u.buffer());
}

}  // namespace mcpk
