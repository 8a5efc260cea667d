#include "kube/chain.hpp"

#include "core/base64.hpp"
#include "kube/auth.hpp"

namespace mcpk::kube {
namespace {

class CredentialDecorator final : public RequestDecorator {
 public:
  CredentialDecorator(std::unique_ptr<Authenticator> auth, std::string basic)
      : auth_(std::move(auth)), basic_(std::move(basic)) {}

  Task<Result<void>> decorate(Headers& headers, const CallContext& cc) override {
    if (!auth_) {
      headers.emplace_back("Authorization", basic_);
      co_return Result<void>{};
    }
    auto header = co_await auth_->authorization(cc.cancel);
    if (!header) co_return std::unexpected(header.error());
    if (!header->empty()) headers.emplace_back("Authorization", std::move(*header));
    co_return Result<void>{};
  }
  bool invalidate() override { return auth_ && auth_->invalidate(); }

 private:
  std::unique_ptr<Authenticator> auth_;
  std::string basic_;
};

class CallerBearer final : public RequestDecorator {
 public:
  Task<Result<void>> decorate(Headers& headers, const CallContext& cc) override {
    const auto& credential = cc.scope.caller->credential;
    if (!credential) {
      co_return fail(Errc::unauthenticated,
                     "this cluster is reached with each user's own token, and the caller has none");
    }
    auto token = co_await credential->token(cc.cancel);
    if (!token) co_return std::unexpected(token.error());
    headers.emplace_back("Authorization", "Bearer " + *token);
    co_return Result<void>{};
  }
};

class StaticHeaders final : public RequestDecorator {
 public:
  explicit StaticHeaders(Headers h) : headers_(std::move(h)) {}
  Task<Result<void>> decorate(Headers& headers, const CallContext&) override {
    headers.insert(headers.end(), headers_.begin(), headers_.end());
    co_return Result<void>{};
  }

 private:
  Headers headers_;
};

}  // namespace

std::shared_ptr<RequestDecorator> config_credentials(const net::any_io_executor& executor, const RestConfig& config) {
  auto auth = make_authenticator(executor, config);
  std::string basic;
  if (!auth && (!config.username.empty() || !config.password.empty())) {
    basic = "Basic " + base64_encode(config.username + ":" + config.password);
  }
  if (!auth && basic.empty()) return nullptr;
  return std::make_shared<CredentialDecorator>(std::move(auth), std::move(basic));
}

DecoratorChain config_identity(const net::any_io_executor& executor, const RestConfig& config) {
  DecoratorChain chain;
  if (auto creds = config_credentials(executor, config)) chain.push_back(std::move(creds));
  if (!config.impersonate.empty()) {
    chain.push_back(impersonate({.user = config.impersonate, .groups = config.impersonate_groups, .extra = {}}));
  }
  return chain;
}

std::shared_ptr<RequestDecorator> caller_bearer() { return std::make_shared<CallerBearer>(); }

std::shared_ptr<RequestDecorator> impersonate(Impersonation who) {
  Headers h;
  if (!who.user.empty()) h.emplace_back("Impersonate-User", std::move(who.user));
  for (auto& g : who.groups) h.emplace_back("Impersonate-Group", std::move(g));
  for (auto& [k, v] : who.extra) h.emplace_back("Impersonate-Extra-" + k, std::move(v));
  return std::make_shared<StaticHeaders>(std::move(h));
}

std::shared_ptr<RequestDecorator> user_agent(std::string agent) {
  Headers h;
  h.emplace_back("User-Agent", std::move(agent));
  return std::make_shared<StaticHeaders>(std::move(h));
}

namespace {

class AllObservers final : public TransportObserver {
 public:
  explicit AllObservers(std::vector<std::shared_ptr<TransportObserver>> all) : all_(std::move(all)) {}
  void on_start(RequestEvent& event, const CallContext& cc) override {
    for (const auto& o : all_) o->on_start(event, cc);
  }
  void on_request(const RequestEvent& event, const CallContext& cc) override {
    for (const auto& o : all_) o->on_request(event, cc);
  }

 private:
  std::vector<std::shared_ptr<TransportObserver>> all_;
};

}  // namespace

std::shared_ptr<TransportObserver> observe_all(std::vector<std::shared_ptr<TransportObserver>> observers) {
  std::erase(observers, nullptr);
  if (observers.empty()) return nullptr;
  if (observers.size() == 1) return observers.front();
  return std::make_shared<AllObservers>(std::move(observers));
}

}  // namespace mcpk::kube
