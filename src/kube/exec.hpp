/// @file
/// @brief Running a command in a container over the WebSocket exec protocol
/// (v5.channel.k8s.io, falling back to v4.channel.k8s.io): stdin, stdout, stderr and the
/// status channel that carries the exit code.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"
#include "kube/client.hpp"

namespace mcpk::kube {

struct ExecRequest {
  std::string ns, pod, container;
  std::vector<std::string> command;
  std::optional<std::string> stdin_data;
  std::size_t max_output = 64 * 1024;  ///< per stream; the rest is counted, not kept
  std::chrono::milliseconds timeout{30'000};
};

struct ExecResult {
  std::string out, err;
  int exit_code = -1;  ///< -1 when unknown (timed out, stream lost)
  bool timed_out = false;
  bool truncated = false;
  std::string protocol;
  std::string failure;  ///< the status message when the command could not run
};

Task<Result<ExecResult>> exec(Client& client, ExecRequest request, const CallContext& cc);

/// The exit code in an exec status (channel 3) message: Success → 0, NonZeroExitCode with an
/// ExitCode cause → that code, other failures → -1 with `failure` set. Pure, for tests.
int exit_code_from_status(std::string_view status_json, std::string& failure);

}  // namespace mcpk::kube
