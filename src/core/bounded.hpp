/// @file
/// @brief Running many independent jobs with a bound on how many run at once (discovery of
/// many group versions, a fan-out over many clusters).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>

#include "core/async.hpp"

namespace mcpk {

/// Runs `work(i)` for every i in [0, n), at most `width` at once, each on the executor; returns
/// when all have finished. A job reports failure through what it writes, never by throwing.
Task<void> for_each_bounded(net::any_io_executor executor, std::size_t n, std::size_t width,
                            std::function<Task<void>(std::size_t)> work);

}  // namespace mcpk
