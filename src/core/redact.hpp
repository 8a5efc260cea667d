/// @file
/// @brief Keeping credentials out of logs, errors and results.
#pragma once

#include <string>
#include <string_view>

namespace mcpk {

/// What a secret value looks like in a log line: "<redacted>" when set, "<unset>" when empty.
std::string redact_secret(std::string_view value);

/// A URL with its password (userinfo) and the values of credential-like query parameters
/// (token, password, secret, key, code, ...) replaced by "redacted". Text that is not a URL
/// is returned as it is.
std::string redact_url(std::string_view url);

}  // namespace mcpk
