#include <gtest/gtest.h>

#include <fmt/format.h>
#include <string>

#include "core/base64.hpp"
#include "kube/kubeconfig.hpp"

namespace mcpk::kube {
namespace {

// A workload-cluster kubeconfig as Cluster API writes it, with `cluster_extra` and
// `user_extra` added to the cluster and user entries.
std::string secret_kubeconfig(std::string_view cluster_extra = "", std::string_view user_extra = "",
                              std::string_view server = "https://10.0.0.1:6443") {
  return fmt::format(R"(apiVersion: v1
kind: Config
clusters:
- name: wc1
  cluster:
    server: {}
    certificate-authority-data: {}
{}
users:
- name: wc1-admin
  user:
    token: inline-token
{}
contexts:
- name: wc1-admin@wc1
  context: {{cluster: wc1, user: wc1-admin}}
current-context: wc1-admin@wc1
)",
                     server, base64_encode("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
                     cluster_extra, user_extra);
}

std::string refusal(std::string_view text) {
  auto r = restricted_rest_config(text, "Secret org-a/wc1-kubeconfig");
  return r ? std::string() : r.error().message;
}

}  // namespace

TEST(RestrictedKubeconfig, InlineDataIsAccepted) {
  auto r = restricted_rest_config(secret_kubeconfig(), "Secret org-a/wc1-kubeconfig");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->server, "https://10.0.0.1:6443");
  EXPECT_EQ(r->token, "inline-token");
  EXPECT_NE(r->ca_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_TRUE(r->token_file.empty());
  EXPECT_FALSE(r->exec);
}

TEST(RestrictedKubeconfig, AnythingThatReadsFilesRunsCommandsOrProxiesIsRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "    exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, id]}"},
      {"", "    auth-provider: {name: oidc}"},
      {"", "    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"},
      {"", "    client-certificate: /etc/mcp/cert.pem\n    client-key: /etc/mcp/key.pem"},
      {"", "    client-key: /etc/shadow"},
      {"", "    as: system:admin"},
      {"    certificate-authority: /etc/passwd", ""},
      {"    proxy-url: http://attacker.example:3128", ""},
  };
  for (const auto& [cluster, user] : cases) {
    auto why = refusal(secret_kubeconfig(cluster, user));
    EXPECT_NE(why.find("is not allowed"), std::string::npos) << cluster << user << " -> " << why;
    EXPECT_NE(why.find("Secret org-a/wc1-kubeconfig"), std::string::npos) << why;
    EXPECT_EQ(why.find("/etc/"), std::string::npos) << "echoes a path: " << why;  // never the content
  }
  EXPECT_NE(refusal(secret_kubeconfig("", "", "http://10.0.0.1:6443")).find("https://"), std::string::npos);
}

TEST(RestrictedKubeconfig, BadDocumentsAreClearErrors) {
  EXPECT_NE(refusal("{not yaml").find("Secret org-a/wc1-kubeconfig"), std::string::npos);
  EXPECT_NE(refusal("apiVersion: v1\nkind: Config\n").find("no current-context"), std::string::npos);
  auto r = restricted_rest_config(secret_kubeconfig(), "Secret x", "other");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no context \"other\""), std::string::npos);
}

}  // namespace mcpk::kube
