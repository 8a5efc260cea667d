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
  /// Stop the command in the container when `timeout` passes. The exec protocol has no signal
  /// channel, so the command runs under a small POSIX sh watchdog (see stoppable_command) that
  /// sends it SIGTERM, then SIGKILL 2 s later. A container without `sh` runs the command as
  /// given; then a timeout only closes the stream (ExecResult::stoppable is false).
  bool stop_on_timeout = true;
};

struct ExecResult {
  std::string out, err;
  int exit_code = -1;  ///< -1 when unknown (timed out, stream lost)
  bool timed_out = false;
  bool truncated = false;
  std::string protocol;
  std::string failure;     ///< the status message when the command could not run
  bool stoppable = false;  ///< ran under the watchdog, so a timeout really stopped it
};

Task<Result<ExecResult>> exec(Client& client, ExecRequest request, const CallContext& cc);

/// The exit code in an exec status (channel 3) message: Success → 0, NonZeroExitCode with an
/// ExitCode cause → that code, other failures → -1 with `failure` set. Pure, for tests.
int exit_code_from_status(std::string_view status_json, std::string& failure);

/// What the watchdog appends to stderr when it stopped the command (removed from the result).
inline constexpr std::string_view kStoppedMarker = "\n[mcp-kubernetes: timeoutSeconds passed, command stopped]\n";

/// How the watchdog names its pid, first thing on stderr: "<prefix><pid>]\n" (removed from the result).
inline constexpr std::string_view kWatchdogPrefix = "[mcp-kubernetes: watchdog ";

/// Takes the watchdog's pid line off the start of `err`; nullopt (err unchanged) when absent.
/// Pure, for tests.
std::optional<long> take_watchdog_pid(std::string& err);

/// The command wrapped in the watchdog: `sh -c SCRIPT sh command...`. The command keeps its
/// stdin, stdout, stderr and exit status; after `seconds` its process group gets SIGTERM, 2 s
/// later SIGKILL.
/// Pure, for tests.
std::vector<std::string> stoppable_command(const std::vector<std::string>& command, long long seconds);

/// True when an exec failure says the container has no `sh` (distroless images), so the
/// watchdog never started and the command may be run as given. Pure, for tests.
bool missing_shell(std::string_view failure);

}  // namespace mcpk::kube
