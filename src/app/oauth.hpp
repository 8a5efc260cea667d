/// @file
/// @brief Wires OAuth from the flags: reads the secrets (inline or from files), makes the token
/// store (memory, or Redis/Valkey) and the sealing key, and builds the authorization server.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "app/options.hpp"
#include "auth/server.hpp"
#include "core/error.hpp"

namespace mcpk::app {

Result<std::shared_ptr<auth::AuthServer>> make_auth_server(net::any_io_executor executor, const ServeOptions& options);

}  // namespace mcpk::app
