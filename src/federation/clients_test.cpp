// Clients of workload clusters against two loopback API servers of our own (a management and a
// workload cluster): impersonation as each caller with the kubeconfig Secret's credentials,
// clients per (cluster, caller) that never serve another, changed groups at once, failures not
// cached, restricted kubeconfigs, sso-passthrough with the caller's own token and the CA from
// the ConfigMap, and a deleted Cluster forgotten at once.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/base64.hpp"
#include "federation/clients.hpp"
#include "kube/fake_api_test_support.hpp"

namespace mcpk::federation {
namespace {

using kube::fake::answer;
using kube::fake::FakeApiServer;
using kube::fake::Seen;

std::string kubeconfig_for(const kube::RestConfig& wc, std::string_view extra_user_fields = "") {
  return fmt::format(R"(apiVersion: v1
kind: Config
clusters:
- name: wc
  cluster: {{server: "{}", certificate-authority-data: "{}"}}
users:
- name: admin
  user: {{token: wc-server-token{}}}
contexts:
- name: wc
  context: {{cluster: wc, user: admin}}
current-context: wc
)",
                     wc.server, base64_encode(wc.ca_pem), extra_user_fields);
}

CallerPtr user(std::string email, std::vector<std::string> groups, bool with_token = false) {
  struct Token final : CallerCredential {
    Task<Result<std::string>> token(const CancelTokenPtr&) override { co_return std::string("users-own-id-token"); }
  };
  auto c = std::make_shared<Caller>();
  c->key = "dex#" + email;
  c->subject = "sub-" + email;
  c->email = std::move(email);
  c->groups = std::move(groups);
  if (with_token) c->credential = std::make_shared<Token>();
  return c;
}

struct Fixture {
  net::io_context io;
  FakeApiServer workload{io, [](const Seen&) { return answer(200, R"({"kind":"PodList","items":[]})"); }};
  std::string secret_body;
  int secret_reads = 0;
  FakeApiServer management{
      io, [this](const Seen& s) {
        if (s.target == "/api/v1/namespaces/org-a/secrets/wc1-kubeconfig") {
          ++secret_reads;
          return secret_body.empty()
                     ? answer(
                           404,
                           R"({"kind":"Status","code":404,"reason":"NotFound","message":"secrets \"wc1-kubeconfig\" not found"})")
                     : answer(200, secret_body);
        }
        if (s.target == "/api/v1/namespaces/org-a/configmaps/wc1-ca-public") {
          const json::object cm{{"data", json::object{{"ca.crt", workload.config().ca_pem}}}};
          return answer(200, to_json(cm));
        }
        return answer(404, R"({"kind":"Status","code":404,"message":"no"})");
      }};
  std::shared_ptr<kube::Client> mgmt = *kube::Client::create(io.get_executor(), management.config(), {});
  WorkloadCluster wc1;

  explicit Fixture(std::string_view extra_user_fields = "") {
    set_kubeconfig(kubeconfig_for(workload.config(), extra_user_fields));
    wc1.ns = "org-a";
    wc1.name = "wc1";
    const auto port = workload.config().server.substr(workload.config().server.rfind(':') + 1);
    wc1.endpoint_host = "127.0.0.1";
    wc1.endpoint_port = std::stoi(port);
  }
  void set_kubeconfig(const std::string& text) {
    const json::object secret{{"kind", "Secret"}, {"data", json::object{{"value", base64_encode(text)}}}};
    secret_body = to_json(secret);
  }
  kube::CallContext as(const CallerPtr& caller) {
    kube::CallContext cc{kube::Clock::now() + std::chrono::seconds(5), nullptr, RequestScope{}};
    cc.scope.caller = caller;
    return cc;
  }
  // One GET /api/v1/pods on wc1 as `caller`: the error, or "" on success.
  Task<std::string> call(WorkloadClients& clients, const CallerPtr& caller) {
    const auto cc = as(caller);
    auto client = co_await clients.client(wc1, mgmt, mgmt, cc);
    if (!client) co_return client.error().message;
    auto r = co_await (*client)->get_json("/api/v1/pods", cc, std::string("application/json"));
    co_return r ? std::string() : r.error().message;
  }
};

TEST(WorkloadClients, ImpersonateEachCallerWithTheSecretsCredentials) {
  Fixture f;
  WorkloadOptions options;
  options.group_mappings = {{"oidc:platform", "platform-admins"}};
  WorkloadClients clients(f.io.get_executor(), options);
  std::vector<std::string> errors;
  // Named callers: a braced temporary inside co_await is the g++ 12 trap (core/async.hpp).
  const auto alice = user("alice@example.com", {"oidc:team-view"});
  const auto bob = user("bob@example.com", {"oidc:platform"});
  const auto alice_again = user("alice@example.com", {"oidc:team-view"});
  const auto alice_regrouped = user("alice@example.com", {"oidc:team-edit"});
  kube::fake::run(f.io, [&]() -> Task<void> {
    errors.push_back(co_await f.call(clients, alice));
    errors.push_back(co_await f.call(clients, bob));
    errors.push_back(co_await f.call(clients, alice_again));      // cached
    errors.push_back(co_await f.call(clients, alice_regrouped));  // new groups: a new client
  });
  EXPECT_EQ(errors, std::vector<std::string>(4));
  ASSERT_EQ(f.workload.seen.size(), 4u);
  const auto& a = f.workload.seen[0];
  EXPECT_EQ(a.header("authorization"), "Bearer wc-server-token");
  EXPECT_EQ(a.header("impersonate-user"), "alice@example.com");
  EXPECT_EQ(a.headers.at("impersonate-group"), std::vector<std::string>{"oidc:team-view"});
  EXPECT_EQ(a.header("impersonate-extra-agent"), "mcp-kubernetes");
  EXPECT_EQ(a.header("impersonate-extra-sub"), "sub-alice@example.com");
  EXPECT_EQ(f.workload.seen[1].header("impersonate-user"), "bob@example.com");
  EXPECT_EQ(f.workload.seen[1].headers.at("impersonate-group"), std::vector<std::string>{"platform-admins"});
  EXPECT_EQ(f.workload.seen[3].headers.at("impersonate-group"), std::vector<std::string>{"oidc:team-edit"});
  EXPECT_EQ(f.secret_reads, 3);  // alice, bob, alice with other groups; the third call was cached
  EXPECT_EQ(clients.cached_clients(), 3u);
  EXPECT_EQ(f.workload.connections, 1);  // one pool for the workload cluster, whoever calls

  clients.forget("org-a/wc1");  // the Cluster was deleted
  EXPECT_EQ(clients.cached_clients(), 0u);
}

TEST(WorkloadClients, FailuresAreClearAndNotCached) {
  Fixture f;
  WorkloadClients clients(f.io.get_executor(), WorkloadOptions{});
  std::vector<std::string> errors;
  const auto secret = f.secret_body;
  const auto alice = user("alice@example.com", {});
  const auto nameless = user("", {});
  const auto with_exec =
      kubeconfig_for(f.workload.config(), ", exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/steal}");
  kube::fake::run(f.io, [&]() -> Task<void> {
    f.secret_body.clear();  // missing Secret
    errors.push_back(co_await f.call(clients, alice));
    f.set_kubeconfig("not: [a kubeconfig");
    errors.push_back(co_await f.call(clients, alice));
    f.set_kubeconfig(with_exec);
    errors.push_back(co_await f.call(clients, alice));
    errors.push_back(co_await f.call(clients, nameless));  // no email
    f.secret_body = secret;
    errors.push_back(co_await f.call(clients, alice));  // works now: nothing was cached
  });
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_NE(errors[0].find("the kubeconfig of workload cluster org-a/wc1 (Secret org-a/wc1-kubeconfig, key value)"),
            std::string::npos)
      << errors[0];
  EXPECT_NE(errors[0].find("not found"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("Secret org-a/wc1-kubeconfig"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("exec"), std::string::npos) << errors[2];
  EXPECT_EQ(errors[2].find("/bin/steal"), std::string::npos) << errors[2];  // nothing of the content echoed
  EXPECT_NE(errors[3].find("email"), std::string::npos) << errors[3];
  EXPECT_EQ(errors[4], "");
  EXPECT_EQ(f.workload.seen.size(), 1u);
}

TEST(WorkloadClients, SsoPassthroughSendsTheCallersOwnTokenAndNeverImpersonates) {
  Fixture f;
  WorkloadOptions options;
  options.mode = AuthMode::sso_passthrough;
  WorkloadClients clients(f.io.get_executor(), options);
  std::vector<std::string> errors;
  const auto alice = user("alice@example.com", {"g"}, true);
  const auto bob = user("bob@example.com", {"g"}, false);  // no token: no fallback to impersonation
  kube::fake::run(f.io, [&]() -> Task<void> {
    errors.push_back(co_await f.call(clients, alice));
    errors.push_back(co_await f.call(clients, bob));
  });
  EXPECT_EQ(errors[0], "");
  EXPECT_NE(errors[1].find("your own token"), std::string::npos) << errors[1];
  ASSERT_EQ(f.workload.seen.size(), 1u);
  EXPECT_EQ(f.workload.seen[0].header("authorization"), "Bearer users-own-id-token");
  EXPECT_EQ(f.workload.seen[0].header("impersonate-user"), "");
  EXPECT_EQ(f.secret_reads, 0);  // only the CA is read in this mode
}

}  // namespace
}  // namespace mcpk::federation
