/// @file
/// @brief API failures (metav1.Status bodies and bare HTTP statuses) turned into Errors whose
/// messages a person or a model can act on.
#pragma once

#include <string_view>

#include "core/error.hpp"
#include "kube/rest.hpp"

namespace mcpk::kube {

/// The error for a non-2xx response. Uses the Status message the API server wrote (it names
/// the resource, and for 403 the user, verb and resource) and adds what to do about it:
/// 401 → credentials rejected/expired, 403 → RBAC, 404 → check name/namespace, 409 → conflict,
/// 410 → continue token expired (start the list again), 422 → invalid object, 429/5xx → busy.
/// `context` names the kubeconfig context or cluster, for messages. The Status's reason and
/// causes are kept in the Error (apply reads field-manager conflicts from them).
Error status_error(const HttpResponse& response, std::string_view context);

}  // namespace mcpk::kube
