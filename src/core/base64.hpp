/// @file
/// @brief Base64 (RFC 4648 §4, with padding) as used by kubeconfig *-data fields, Secrets and keys.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mcpk {

std::string base64_encode(std::string_view bytes);

/// Decodes standard base64; whitespace (line breaks in PEM-like input) is ignored.
/// Refuses other characters and bad padding.
Result<std::string> base64_decode(std::string_view text);

/// base64url without padding (RFC 4648 §5), as JWTs and PKCE use it.
std::string base64url_encode(std::string_view bytes);
/// Decodes base64url with or without padding; refuses any other character and non-canonical
/// trailing bits.
Result<std::string> base64url_decode(std::string_view text);

}  // namespace mcpk
