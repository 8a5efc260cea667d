#include "kube/auth.hpp"

#include "core/single_flight.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/this_coro.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/base64.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "kube/process.hpp"

namespace mcpk::kube {
namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// A static bearer token, or a token file re-read every minute (and after a 401), so a
// rotated token (projected service-account tokens, OIDC refreshers) is picked up.
class TokenAuthenticator final : public Authenticator {
 public:
  TokenAuthenticator(std::string token, std::string file) : token_(std::move(token)), file_(std::move(file)) {}

  Task<Result<std::string>> authorization(const CancelTokenPtr&) override {
    if (!file_.empty() && (!loaded_ || Clock::now() - read_at_ > std::chrono::minutes(1))) {
      std::ifstream f(file_);
      loaded_ = true;
      read_at_ = Clock::now();  // once a minute (or after a 401), whether or not the read worked
      if (f) {
        std::stringstream ss;
        ss << f.rdbuf();
        cached_ = trim(ss.str());
      } else if (token_.empty()) {
        co_return fail(Errc::unauthenticated, fmt::format("cannot read token file {}", file_));
      }
    }
    const std::string& t = cached_.empty() ? token_ : cached_;
    co_return t.empty() ? std::string() : "Bearer " + t;
  }

  bool invalidate() override {
    if (file_.empty()) return false;
    loaded_ = false;
    return true;
  }

 private:
  std::string token_, file_, cached_;
  bool loaded_ = false;
  Clock::time_point read_at_{};
};

// client.authentication.k8s.io exec plugins: run the command, read ExecCredential.status,
// cache the token until expirationTimestamp (or until a 401).
class ExecAuthenticator final : public Authenticator {
 public:
  ExecAuthenticator(net::any_io_executor ex, ExecConfig exec, RestConfig cluster)
      : executor_(std::move(ex)),
        exec_(std::move(exec)),
        server_(cluster.server),
        ca_(cluster.ca_pem),
        insecure_(cluster.insecure_skip_tls_verify),
        context_(cluster.context) {}

  Task<Result<std::string>> authorization(const CancelTokenPtr& cancel) override {
    for (;;) {
      if (cancel && cancel->cancelled()) co_return fail(Errc::cancelled, cancel->reason());
      if (!token_.empty() && (!expiry_ || std::chrono::system_clock::now() + std::chrono::seconds(10) < *expiry_)) {
        co_return "Bearer " + token_;
      }
      // Concurrent callers wait for one run of the plugin.
      std::optional<Result<void>> r;
      if (flight_.busy()) {
        r = co_await flight_.join(cancel);
        if (!r) continue;  // that run was abandoned, or we were cancelled: see above
      } else {
        auto lead = flight_.lead(executor_);
        auto ran = co_await run();
        r = lead.finish(std::move(ran));
      }
      if (!*r) co_return std::unexpected(r->error());
      co_return "Bearer " + token_;
    }
  }

  bool invalidate() override {
    token_.clear();
    expiry_.reset();
    return true;
  }

 private:
  Task<Result<void>> run() {
    const std::string api = exec_.api_version.empty() ? "client.authentication.k8s.io/v1" : exec_.api_version;
    if (api != "client.authentication.k8s.io/v1" && api != "client.authentication.k8s.io/v1beta1") {
      co_return fail(
          Errc::not_supported,
          fmt::format("context {}: exec plugin apiVersion {} is not supported (use client.authentication.k8s.io/v1)",
                      context_, api));
    }
    json::object spec{{"interactive", false}};
    if (exec_.provide_cluster_info) {
      json::object cluster{{"server", server_}, {"insecure-skip-tls-verify", insecure_}};
      if (!ca_.empty()) cluster["certificate-authority-data"] = base64_encode(ca_);
      spec["cluster"] = std::move(cluster);
    }
    json::object info{{"apiVersion", api}, {"kind", "ExecCredential"}, {"spec", std::move(spec)}};
    auto env = exec_.env;
    env.emplace_back("KUBERNETES_EXEC_INFO", to_json(info));
    std::vector<std::string> argv{exec_.command};
    argv.insert(argv.end(), exec_.args.begin(), exec_.args.end());
    auto res = co_await run_process(executor_, std::move(argv), std::move(env), std::chrono::seconds(60));
    const auto hint = exec_.install_hint.empty() ? std::string() : "; " + exec_.install_hint;
    if (!res) {
      co_return fail(Errc::unauthenticated,
                     fmt::format("context {}: exec credential plugin: {}{}", context_, res.error().message, hint));
    }
    if (res->exit_code != 0) {
      auto err = trim(res->err);
      if (err.size() > 300) err = err.substr(0, 300) + "...";
      co_return fail(Errc::unauthenticated,
                     fmt::format("context {}: exec credential plugin \"{}\" failed (exit {}): {}", context_,
                                 exec_.command, res->exit_code, err));
    }
    auto parsed = parse_json(res->out);
    const json::object* status = parsed && parsed->is_object() ? find_object(parsed->as_object(), "status") : nullptr;
    if (!status) {
      co_return fail(Errc::unauthenticated,
                     fmt::format("context {}: exec credential plugin \"{}\" printed no ExecCredential status", context_,
                                 exec_.command));
    }
    const auto token = string_or(*status, "token");
    if (token.empty()) {
      co_return fail(Errc::not_supported,
                     fmt::format("context {}: exec credential plugin \"{}\" returned no token (client certificates "
                                 "from exec plugins are not supported)",
                                 context_, exec_.command));
    }
    token_ = std::string(token);
    expiry_.reset();
    if (auto exp = string_or(*status, "expirationTimestamp"); !exp.empty()) {
      if (auto t = parse_rfc3339(exp)) expiry_ = *t;
    }
    spdlog::debug("context {}: exec credential plugin gave a token{}", context_,
                  expiry_ ? " valid until " + format_rfc3339(*expiry_) : std::string());
    co_return Result<void>{};
  }

  net::any_io_executor executor_;
  ExecConfig exec_;
  std::string server_, ca_;
  bool insecure_;
  std::string context_;
  std::string token_;
  std::optional<SysTime> expiry_;
  SingleFlight<Result<void>> flight_;
};

}  // namespace

std::unique_ptr<Authenticator> make_authenticator(net::any_io_executor executor, const RestConfig& config) {
  if (config.exec) return std::make_unique<ExecAuthenticator>(std::move(executor), *config.exec, config);
  if (!config.token.empty() || !config.token_file.empty()) {
    return std::make_unique<TokenAuthenticator>(config.token, config.token_file);
  }
  return nullptr;
}

}  // namespace mcpk::kube
