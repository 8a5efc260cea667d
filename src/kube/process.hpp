/// @file
/// @brief Runs a helper program (exec credential plugins) without blocking the io_context:
/// the program runs on a thread of its own; the coroutine resumes when it has finished.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"

namespace mcpk::kube {

struct ProcessResult {
  int exit_code = -1;  ///< -1 when killed by a signal
  std::string out, err;
};

/// Runs `argv` (argv[0] looked up in PATH when it has no '/') with the current environment plus
/// `env`, stdin closed. Output beyond 1 MiB per stream is dropped; the program is killed after
/// `timeout`. Errors: program not found / not startable, timeout.
Task<Result<ProcessResult>> run_process(net::any_io_executor executor, std::vector<std::string> argv,
                                        std::vector<std::pair<std::string, std::string>> env,
                                        std::chrono::milliseconds timeout);

}  // namespace mcpk::kube
