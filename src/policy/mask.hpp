/// @file
/// @brief Secret masking (SPEC §1.1): the values of a Secret's data and stringData become
/// "***" (keys kept), in single objects, lists and Tables, including the copy that
/// kubectl.kubernetes.io/last-applied-configuration holds.
#pragma once

#include "core/json.hpp"

namespace mcpk::policy {

inline constexpr std::string_view kMasked = "***";

/// Masks `v` in place: a Secret, a SecretList / v1 List (items), a Table whose rows carry
/// Secret objects, or any of these nested as `object`. Returns how many values were masked.
/// `secrets`: the caller resolved the request to core/v1 secrets, so the object (or every
/// item, or every row's object) is a Secret whatever its `kind` says, or when it has none.
std::size_t mask_secrets(json::value& v, bool secrets = false);

}  // namespace mcpk::policy
