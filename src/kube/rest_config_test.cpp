// RestConfig from a kubeconfig context: credentials, TLS material, errors that never leak.
#include <gtest/gtest.h>

#include "kube/kubeconfig_test_support.hpp"

namespace mcpk::kube {

using RestConfigFiles = KubeconfigFiles;  // one fixture class per suite name (gtest)

TEST(KubeconfigRest, CurrentContextWithTokenAndNamespace) {
  const Kubeconfig kc = parse_ok(kFull);
  // dev's CA is a file that does not exist here: use a copy without it.
  Kubeconfig copy = kc;
  copy.clusters.at("dev").certificate_authority.clear();
  auto rc = rest_config_for(copy);
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_EQ(rc->context, "dev");
  EXPECT_EQ(rc->cluster_name, "dev");
  EXPECT_EQ(rc->user_name, "bot");
  EXPECT_EQ(rc->server, "https://dev.example.com");
  EXPECT_EQ(rc->ns, "team-a");
  // Both kept: the token is used, the file re-read when it rotates.
  EXPECT_EQ(rc->token, kSecretToken);
  EXPECT_EQ(rc->token_file, "/var/run/token");
  EXPECT_TRUE(rc->ca_pem.empty());
}

TEST(KubeconfigRest, ClientCertImpersonationAndClusterFields) {
  auto rc = rest_config_for(parse_ok(kFull), "prod");
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_EQ(rc->ns, "default");
  EXPECT_EQ(rc->ca_pem, "CA-PEM");
  EXPECT_EQ(rc->client_cert_pem, "CERT-PEM");
  EXPECT_EQ(rc->client_key_pem, "KEY-PEM");
  EXPECT_EQ(rc->impersonate, "jane");
  EXPECT_EQ(rc->impersonate_groups, (std::vector<std::string>{"system:masters", "devs"}));
  EXPECT_EQ(rc->tls_server_name, "api.prod.internal");
  EXPECT_EQ(rc->proxy_url, "socks5://proxy.example.com:1080");
  EXPECT_FALSE(rc->insecure_skip_tls_verify);
  EXPECT_TRUE(rc->token.empty());
}

TEST(KubeconfigRest, ExecAndInsecure) {
  auto rc = rest_config_for(parse_ok(kFull), "lab");
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_TRUE(rc->insecure_skip_tls_verify);
  ASSERT_TRUE(rc->exec);
  EXPECT_EQ(rc->exec->command, "gke-gcloud-auth-plugin");
  EXPECT_EQ(rc->exec->interactive_mode, "Never");
  EXPECT_TRUE(rc->exec->provide_cluster_info);
}

TEST(KubeconfigRest, NamespaceDefault) {
  auto rc = rest_config_for(parse_ok("clusters:\n- name: c\n  cluster: {server: \"https://c\"}\n"
                                     "contexts:\n- name: x\n  context: {cluster: c}\n"),
                            "x");
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_EQ(rc->ns, "default");
  EXPECT_TRUE(rc->user_name.empty());  // no user: anonymous
}

TEST(KubeconfigRest, UnknownContextListsKnownNamesSorted) {
  auto rc = rest_config_for(parse_ok(kFull), "staging");
  ASSERT_FALSE(rc);
  EXPECT_EQ(rc.error().code, Errc::not_found);
  EXPECT_TRUE(contains(rc.error().message, "\"staging\"")) << rc.error().message;
  EXPECT_TRUE(contains(rc.error().message, "known: dev, lab, prod")) << rc.error().message;
}

TEST(KubeconfigRest, NoCurrentContext) {
  Kubeconfig kc = parse_ok(kFull);
  kc.current_context.clear();
  auto rc = rest_config_for(kc);
  ASSERT_FALSE(rc);
  EXPECT_EQ(rc.error().message, "no current-context is set; pass a context (known: dev, lab, prod)");
}

TEST(KubeconfigRest, MissingClusterOrUserEntry) {
  const Kubeconfig kc = parse_ok(
      "clusters:\n- name: c\n  cluster: {server: \"https://c\"}\n"
      "contexts:\n- name: nocluster\n  context: {cluster: gone}\n- name: nouser\n  context: {cluster: c, user: ghost}\n"
      "- name: noserver\n  context: {cluster: empty}\n");
  auto a = rest_config_for(kc, "nocluster");
  ASSERT_FALSE(a);
  EXPECT_TRUE(contains(a.error().message, "context \"nocluster\"")) << a.error().message;
  EXPECT_TRUE(contains(a.error().message, "\"gone\"")) << a.error().message;
  auto b = rest_config_for(kc, "nouser");
  ASSERT_FALSE(b);
  EXPECT_TRUE(contains(b.error().message, "context \"nouser\"")) << b.error().message;
  EXPECT_TRUE(contains(b.error().message, "\"ghost\"")) << b.error().message;

  Kubeconfig no_server = kc;
  no_server.clusters["empty"] = ClusterEntry{};
  auto c = rest_config_for(no_server, "noserver");
  ASSERT_FALSE(c);
  EXPECT_TRUE(contains(c.error().message, "no server")) << c.error().message;
}

TEST(KubeconfigRest, CertWithoutKeyAndKeyWithoutCert) {
  const Kubeconfig kc =
      parse_ok(fmt::format("clusters:\n- name: c\n  cluster: {{server: \"https://c\"}}\n"
                           "users:\n- name: certonly\n  user: {{client-certificate-data: {0}}}\n"
                           "- name: keyonly\n  user: {{client-key: /k.pem}}\n"
                           "contexts:\n- name: a\n  context: {{cluster: c, user: certonly}}\n- name: b\n  context: "
                           "{{cluster: c, user: keyonly}}\n",
                           base64_encode("CERT")));
  auto a = rest_config_for(kc, "a");
  ASSERT_FALSE(a);
  EXPECT_TRUE(contains(a.error().message, "context \"a\"")) << a.error().message;
  EXPECT_TRUE(contains(a.error().message, "client-key")) << a.error().message;
  auto b = rest_config_for(kc, "b");
  ASSERT_FALSE(b);
  EXPECT_TRUE(contains(b.error().message, "client-certificate")) << b.error().message;
}

TEST_F(RestConfigFiles, RestReadsCaCertAndKeyFiles) {
  write("k/ca.crt", "FILE-CA");
  write("k/user.crt", "FILE-CERT");
  write("k/user.key", "FILE-KEY");
  const std::string path = write("k/config", R"(current-context: x
clusters:
- name: c
  cluster: {server: "https://c", certificate-authority: ca.crt}
users:
- name: u
  user: {client-certificate: user.crt, client-key: user.key}
contexts:
- name: x
  context: {cluster: c, user: u}
)");
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = path, .precedence = {}});
  ASSERT_TRUE(kc) << kc.error().message;
  auto rc = rest_config_for(*kc);
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_EQ(rc->ca_pem, "FILE-CA");
  EXPECT_EQ(rc->client_cert_pem, "FILE-CERT");
  EXPECT_EQ(rc->client_key_pem, "FILE-KEY");
}

TEST_F(RestConfigFiles, RestDataWinsOverPath) {
  const std::string path = write("config", fmt::format(R"(clusters:
- name: c
  cluster: {{server: "https://c", certificate-authority: missing-ca.crt, certificate-authority-data: {}}}
contexts:
- name: x
  context: {{cluster: c}}
)",
                                                       base64_encode("DATA-CA")));
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = path, .precedence = {}});
  ASSERT_TRUE(kc) << kc.error().message;
  auto rc = rest_config_for(*kc, "x");
  ASSERT_TRUE(rc) << rc.error().message;
  EXPECT_EQ(rc->ca_pem, "DATA-CA");
}

TEST_F(RestConfigFiles, RestUnreadableFileNamesContextAndPathNotContents) {
  write("key.pem", "PRIVATE-KEY-CONTENTS");
  const std::string path = write("config", R"(clusters:
- name: c
  cluster: {server: "https://c", certificate-authority: no-such-ca.crt}
- name: d
  cluster: {server: "https://d"}
users:
- name: u
  user: {client-certificate: no-such.crt, client-key: key.pem}
contexts:
- name: ca-missing
  context: {cluster: c}
- name: cert-missing
  context: {cluster: d, user: u}
)");
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = path, .precedence = {}});
  ASSERT_TRUE(kc) << kc.error().message;
  auto a = rest_config_for(*kc, "ca-missing");
  ASSERT_FALSE(a);
  EXPECT_TRUE(contains(a.error().message, "context \"ca-missing\"")) << a.error().message;
  EXPECT_TRUE(contains(a.error().message, (dir_ / "no-such-ca.crt").string())) << a.error().message;
  auto b = rest_config_for(*kc, "cert-missing");
  ASSERT_FALSE(b);
  EXPECT_TRUE(contains(b.error().message, (dir_ / "no-such.crt").string())) << b.error().message;
  EXPECT_FALSE(contains(b.error().message, "PRIVATE-KEY-CONTENTS")) << b.error().message;
}

TEST(KubeconfigRest, AuthProviderRefused) {
  const Kubeconfig kc = parse_ok(
      "clusters:\n- name: c\n  cluster: {server: \"https://c\"}\n"
      "users:\n- name: g\n  user:\n    auth-provider:\n      name: oidc\n      config: {id-token: TOPSECRET}\n"
      "contexts:\n- name: x\n  context: {cluster: c, user: g}\n");
  auto rc = rest_config_for(kc, "x");
  ASSERT_FALSE(rc);
  EXPECT_EQ(rc.error().code, Errc::not_supported);
  EXPECT_TRUE(contains(rc.error().message, "context \"x\"")) << rc.error().message;
  EXPECT_TRUE(contains(rc.error().message, "oidc")) << rc.error().message;
  EXPECT_TRUE(contains(rc.error().message, "not supported")) << rc.error().message;
  EXPECT_TRUE(contains(rc.error().message, "exec")) << rc.error().message;
  EXPECT_FALSE(contains(rc.error().message, "TOPSECRET")) << rc.error().message;
}

TEST(KubeconfigRest, ExecValidation) {
  const Kubeconfig kc = parse_ok(
      "clusters:\n- name: c\n  cluster: {server: \"https://c\"}\n"
      "users:\n- name: v1\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: p}\n"
      "- name: nocmd\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1}\n"
      "- name: badmode\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: p, "
      "interactiveMode: Sometimes}\n"
      "contexts:\n- name: v1\n  context: {cluster: c, user: v1}\n- name: nocmd\n  context: {cluster: c, user: nocmd}\n"
      "- name: badmode\n  context: {cluster: c, user: badmode}\n");
  for (const char* name : {"v1", "nocmd", "badmode"}) {
    auto rc = rest_config_for(kc, name);
    ASSERT_FALSE(rc) << name;
    EXPECT_TRUE(contains(rc.error().message, fmt::format("context \"{}\"", name))) << rc.error().message;
  }
}

TEST(KubeconfigRest, ErrorsNeverContainCredentials) {
  const std::string doc = fmt::format(
      "clusters:\n- name: c\n  cluster: {{server: \"https://c\", insecure-skip-tls-verify: true, "
      "certificate-authority-data: {ca}}}\n"
      "- name: ok\n  cluster: {{server: \"https://ok\", proxy-url: \"ftp://user:{token}@proxy\"}}\n"
      "users:\n- name: t\n  user: {{token: {token}, password: {token}, username: u}}\n"
      "- name: cert\n  user: {{token: {token}, client-certificate-data: {ca}}}\n"
      "- name: groups\n  user: {{token: {token}, as-groups: [g]}}\n"
      "contexts:\n- name: both\n  context: {{cluster: ok, user: t}}\n"
      "- name: insecure\n  context: {{cluster: c, user: t}}\n"
      "- name: proxy\n  context: {{cluster: ok}}\n"
      "- name: cert\n  context: {{cluster: ok, user: cert}}\n"
      "- name: groups\n  context: {{cluster: ok, user: groups}}\n",
      fmt::arg("token", kSecretToken), fmt::arg("ca", base64_encode("CA")));
  Kubeconfig kc = parse_ok(doc);
  kc.clusters.at("ok").proxy_url.clear();
  kc.clusters["proxy"] = ClusterEntry{.server = "https://p",
                                      .certificate_authority = {},
                                      .certificate_authority_data = {},
                                      .insecure_skip_tls_verify = false,
                                      .tls_server_name = {},
                                      .proxy_url = fmt::format("ftp://user:{}@proxy", kSecretToken),
                                      .disable_compression = false};
  kc.contexts.at("proxy").cluster = "proxy";
  for (const char* name : {"both", "insecure", "proxy", "cert", "groups", "missing"}) {
    auto rc = rest_config_for(kc, name);
    ASSERT_FALSE(rc) << name;
    EXPECT_FALSE(contains(rc.error().message, kSecretToken)) << rc.error().message;
    EXPECT_TRUE(contains(rc.error().message, fmt::format("\"{}\"", name))) << rc.error().message;
  }
}

TEST(KubeconfigRest, ServerWithoutSchemeFollowsClientGo) {
  const Kubeconfig kc = parse_ok(
      fmt::format("clusters:\n- name: tls\n  cluster: {{server: \"c:6443\", certificate-authority-data: {}}}\n"
                  "- name: plain\n  cluster: {{server: \"c:8080\"}}\n"
                  "contexts:\n- name: tls\n  context: {{cluster: tls}}\n- name: plain\n  context: {{cluster: plain}}\n",
                  base64_encode("CA")));
  EXPECT_EQ(rest_config_for(kc, "tls")->server, "https://c:6443");
  EXPECT_EQ(rest_config_for(kc, "plain")->server, "http://c:8080");
}

}  // namespace mcpk::kube
