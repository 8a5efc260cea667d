/// @file
/// @brief HTTP middleware of the transport: DNS-rebinding protection (Origin and Host must be
/// local or allowed), and the health routes (/healthz, /readyz).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"
#include "transport/http_server.hpp"
#include "transport/router.hpp"

namespace mcpk::transport {

/// Refuses (403, a JSON-RPC error body) a browser Origin that is neither local nor in
/// `allowed_origins` ("*" allows any), and a Host that is neither local nor the host of an
/// allowed origin: a page from elsewhere must not reach a local server.
Middleware origin_guard(std::vector<std::string> allowed_origins);

/// /healthz and /readyz. Ready means: not shutting down, and `check` (the app: the default
/// cluster answers) passes; its result is kept for `ttl`, and probes arriving together share
/// one check. A null check is always ready.
class Health : public Drainable {
 public:
  Health(net::any_io_executor executor, std::function<Task<Result<void>>()> check,
         std::chrono::milliseconds ttl = std::chrono::seconds(5));
  ~Health() override;
  Handler healthz() const;
  Handler readyz();

  void begin_shutdown() override;
  std::size_t busy() const override { return 0; }
  void cancel_all(std::string_view) override {}
  void close() override {}

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mcpk::transport
