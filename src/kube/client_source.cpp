#include "kube/client_source.hpp"

#include <algorithm>

namespace mcpk::kube {
namespace {

// A config that carries no credential of the server's: the caller's own bearer goes instead.
RestConfig without_credentials(RestConfig c) {
  c.token.clear();
  c.token_file.clear();
  c.username.clear();
  c.password.clear();
  c.client_cert_pem.clear();
  c.client_key_pem.clear();
  c.exec.reset();
  c.impersonate.clear();
  c.impersonate_groups.clear();
  return c;
}

}  // namespace

std::string identity_key(const Caller& caller) {
  if (caller.local() && !caller.credential) return "local";
  auto groups = caller.groups;
  std::ranges::sort(groups);
  std::string key = caller.key;
  for (const auto& g : groups) key += '\n' + g;
  if (caller.credential) key += "\nbearer";
  return key;
}

ClientSource::ClientSource(net::any_io_executor executor, Kubeconfig kubeconfig, std::string default_context,
                           Options options)
    : executor_(executor),
      kubeconfig_(std::move(kubeconfig)),
      default_context_(default_context.empty() ? kubeconfig_.current_context : std::move(default_context)),
      options_(std::move(options)),
      cache_(executor, options_.cache) {}

ClientSource::ClientSource(net::any_io_executor executor, RestConfig in_cluster, Options options)
    : executor_(executor),
      in_cluster_(std::move(in_cluster)),
      options_(std::move(options)),
      cache_(executor, options_.cache) {}

Result<std::shared_ptr<Client>> ClientSource::make(const std::string& context, const Caller& caller,
                                                   const std::string& identity) {
  auto it = contexts_.find(context);
  if (it == contexts_.end()) {
    Result<RestConfig> cfg = in_cluster_ ? Result<RestConfig>(*in_cluster_) : rest_config_for(kubeconfig_, context);
    if (!cfg) return std::unexpected(cfg.error());  // not kept: a fixed file is read on the next call
    auto cluster = std::make_shared<Cluster>(executor_, context, options_.transport, options_.observer);
    it = contexts_.emplace(context, Context{std::move(cluster), std::move(*cfg)}).first;
  }
  const auto& [cluster, cfg] = it->second;
  if (caller.credential) {
    DecoratorChain chain{caller_bearer()};
    return Client::create(cluster, without_credentials(cfg), std::move(chain), identity);
  }
  return Client::create(cluster, cfg, config_identity(executor_, cfg), identity);
}

Task<Result<std::shared_ptr<Client>>> ClientSource::client(std::string context, const CallContext& cc) {
  if (in_cluster_) {
    context.clear();
  } else if (context.empty()) {
    context = default_context_;
  }
  const auto& caller = *cc.scope.caller;
  const auto identity = identity_key(caller);
  AsyncCache<std::shared_ptr<Client>>::Make make = [this, context, caller = cc.scope.caller,
                                                    identity]() -> Task<Result<std::shared_ptr<Client>>> {
    co_return this->make(context, *caller, identity);
  };
  // The key starts with the context, so a context's clients can be dropped together.
  auto client = co_await cache_.get(context + '\0' + identity, make, cc.cancel);
  if (client && (*client)->owner() != identity) co_return fail(Errc::internal, "client cache identity mismatch");
  co_return client;
}

}  // namespace mcpk::kube
