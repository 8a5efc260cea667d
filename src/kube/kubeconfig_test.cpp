#include "kube/kubeconfig.hpp"

#include <gtest/gtest.h>

#include "kube/kubeconfig_test_support.hpp"

namespace mcpk::kube {

// ---------------------------------------------------------------------------------------------
// parse_kubeconfig

TEST(KubeconfigParse, FullDocument) {
  const Kubeconfig kc = parse_ok(kFull);
  EXPECT_EQ(kc.current_context, "dev");
  ASSERT_EQ(kc.clusters.size(), 3u);
  ASSERT_EQ(kc.users.size(), 4u);
  ASSERT_EQ(kc.contexts.size(), 3u);

  const ClusterEntry& prod = kc.clusters.at("prod");
  EXPECT_EQ(prod.server, "https://prod.example.com:6443");
  EXPECT_EQ(prod.certificate_authority_data, "CA-PEM");
  EXPECT_EQ(prod.tls_server_name, "api.prod.internal");
  EXPECT_EQ(prod.proxy_url, "socks5://proxy.example.com:1080");
  EXPECT_TRUE(prod.disable_compression);
  EXPECT_FALSE(prod.insecure_skip_tls_verify);
  EXPECT_EQ(kc.clusters.at("dev").certificate_authority, "/etc/ca/dev.crt");
  EXPECT_TRUE(kc.clusters.at("lab").insecure_skip_tls_verify);

  const UserEntry& admin = kc.users.at("admin");
  EXPECT_EQ(admin.client_certificate_data, "CERT-PEM");
  EXPECT_EQ(admin.client_key_data, "KEY-PEM");
  EXPECT_EQ(admin.impersonate, "jane");
  EXPECT_EQ(admin.impersonate_groups, (std::vector<std::string>{"system:masters", "devs"}));
  EXPECT_EQ(kc.users.at("bot").token, kSecretToken);
  EXPECT_EQ(kc.users.at("bot").token_file, "/var/run/token");
  EXPECT_EQ(kc.users.at("basic").username, "alice");
  EXPECT_EQ(kc.users.at("basic").password, "wonderland");

  const UserEntry& cloud = kc.users.at("cloud");
  ASSERT_TRUE(cloud.exec.has_value());
  EXPECT_EQ(cloud.exec->api_version, "client.authentication.k8s.io/v1");
  EXPECT_EQ(cloud.exec->command, "gke-gcloud-auth-plugin");  // no '/': looked up in PATH, not resolved
  EXPECT_EQ(cloud.exec->args, (std::vector<std::string>{"--verbose", "1"}));
  const std::vector<std::pair<std::string, std::string>> env{{"FOO", "bar"}, {"EMPTY", ""}};
  EXPECT_EQ(cloud.exec->env, env);
  EXPECT_EQ(cloud.exec->install_hint, "install the plugin");
  EXPECT_TRUE(cloud.exec->provide_cluster_info);
  EXPECT_EQ(cloud.exec->interactive_mode, "Never");
  EXPECT_TRUE(cloud.auth_provider.empty());

  EXPECT_EQ(kc.contexts.at("dev").cluster, "dev");
  EXPECT_EQ(kc.contexts.at("dev").user, "bot");
  EXPECT_EQ(kc.contexts.at("dev").ns, "team-a");
  EXPECT_EQ(kc.contexts.at("prod").ns, "");
  EXPECT_TRUE(kc.files.empty());
}

TEST(KubeconfigParse, JsonDocument) {
  const Kubeconfig kc = parse_ok(R"({
	"apiVersion": "v1",
	"kind": "Config",
	"clusters": [{"name": "c", "cluster": {"server": "https://c:6443", "insecure-skip-tls-verify": true}}],
	"users": [{"name": "u", "user": {"token": "abc", "exec": null}}],
	"contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "ns1"}}],
	"current-context": "x"
})");
  EXPECT_EQ(kc.current_context, "x");
  EXPECT_EQ(kc.clusters.at("c").server, "https://c:6443");
  EXPECT_TRUE(kc.clusters.at("c").insecure_skip_tls_verify);
  EXPECT_EQ(kc.users.at("u").token, "abc");
  EXPECT_FALSE(kc.users.at("u").exec.has_value());
  EXPECT_EQ(kc.contexts.at("x").ns, "ns1");
}

TEST(KubeconfigParse, EmptyDocumentIsEmptyConfig) {
  const Kubeconfig kc = parse_ok("");
  EXPECT_TRUE(kc.contexts.empty());
  EXPECT_TRUE(kc.current_context.empty());
  EXPECT_TRUE(parse_ok("# only a comment\n").clusters.empty());
}

TEST(KubeconfigParse, InvalidDocuments) {
  EXPECT_FALSE(parse_kubeconfig("clusters: [unclosed", "/"));
  EXPECT_FALSE(parse_kubeconfig("- just\n- a list\n", "/"));
  EXPECT_FALSE(parse_kubeconfig("clusters: {name: x}\n", "/"));
  auto bad_bool = parse_kubeconfig("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: maybe\n", "/");
  ASSERT_FALSE(bad_bool);
  EXPECT_TRUE(contains(bad_bool.error().message, "insecure-skip-tls-verify")) << bad_bool.error().message;
  EXPECT_TRUE(contains(bad_bool.error().message, "cluster \"c\"")) << bad_bool.error().message;
}

TEST(KubeconfigParse, DuplicateNameInOneFileIsError) {
  auto kc =
      parse_kubeconfig("contexts:\n- name: a\n  context: {cluster: x}\n- name: a\n  context: {cluster: y}\n", "/");
  ASSERT_FALSE(kc);
  EXPECT_TRUE(contains(kc.error().message, "duplicate context name \"a\"")) << kc.error().message;
}

TEST(KubeconfigParse, DecodesDataFields) {
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const std::string encoded = base64_encode(pem);
  const Kubeconfig kc = parse_ok(
      fmt::format("clusters:\n- name: c\n  cluster:\n    certificate-authority-data: {0}\nusers:\n- name: u\n  user:\n"
                  "    client-certificate-data: {0}\n    client-key-data: {0}\n",
                  encoded));
  EXPECT_EQ(kc.clusters.at("c").certificate_authority_data, pem);
  EXPECT_EQ(kc.users.at("u").client_certificate_data, pem);
  EXPECT_EQ(kc.users.at("u").client_key_data, pem);
}

TEST(KubeconfigParse, BadBase64NamesEntryAndFieldButNotValue) {
  auto kc = parse_kubeconfig("users:\n- name: alice\n  user:\n    client-key-data: not*base64!secretish\n", "/");
  ASSERT_FALSE(kc);
  EXPECT_EQ(kc.error().code, Errc::invalid_argument);
  EXPECT_TRUE(contains(kc.error().message, "user \"alice\"")) << kc.error().message;
  EXPECT_TRUE(contains(kc.error().message, "client-key-data")) << kc.error().message;
  EXPECT_FALSE(contains(kc.error().message, "secretish")) << kc.error().message;

  auto ca = parse_kubeconfig("clusters:\n- name: c1\n  cluster:\n    certificate-authority-data: abc\n", "/");
  ASSERT_FALSE(ca);
  EXPECT_TRUE(contains(ca.error().message, "cluster \"c1\"")) << ca.error().message;
  EXPECT_TRUE(contains(ca.error().message, "certificate-authority-data")) << ca.error().message;
}

TEST(KubeconfigParse, ResolvesRelativePaths) {
  const Kubeconfig kc = parse_ok(R"(clusters:
- name: c
  cluster:
    certificate-authority: certs/ca.crt
- name: abs
  cluster:
    certificate-authority: /etc/ca.crt
users:
- name: u
  user:
    client-certificate: ./u.crt
    client-key: ../keys/u.key
    tokenFile: token
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: bin/plugin
- name: path-plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubelogin
      interactiveMode: Always
)",
                                 "/home/me/.kube");
  EXPECT_EQ(kc.clusters.at("c").certificate_authority, "/home/me/.kube/certs/ca.crt");
  EXPECT_EQ(kc.clusters.at("abs").certificate_authority, "/etc/ca.crt");
  const UserEntry& u = kc.users.at("u");
  EXPECT_EQ(u.client_certificate, "/home/me/.kube/u.crt");
  EXPECT_EQ(u.client_key, "/home/me/keys/u.key");
  EXPECT_EQ(u.token_file, "/home/me/.kube/token");
  ASSERT_TRUE(u.exec);
  EXPECT_EQ(u.exec->command, "/home/me/.kube/bin/plugin");
  EXPECT_EQ(u.exec->interactive_mode, "IfAvailable");  // client-go default for v1beta1
  EXPECT_EQ(kc.users.at("path-plugin").exec->command, "kubelogin");
}

TEST(KubeconfigParse, AuthProviderIsRecorded) {
  const Kubeconfig kc =
      parse_ok("users:\n- name: g\n  user:\n    auth-provider:\n      name: gcp\n      config: {access-token: x}\n");
  EXPECT_EQ(kc.users.at("g").auth_provider, "gcp");
}

// ---------------------------------------------------------------------------------------------
// load_kubeconfig

TEST_F(KubeconfigFiles, LoadSingleFileResolvesAgainstItsDirectory) {
  const std::string path = write("a/config", "clusters:\n- name: c\n  cluster:\n    certificate-authority: ca.crt\n");
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = path, .precedence = {}});
  ASSERT_TRUE(kc) << kc.error().message;
  EXPECT_EQ(kc->clusters.at("c").certificate_authority, (dir_ / "a" / "ca.crt").string());
  EXPECT_EQ(kc->files, std::vector<std::string>{path});
}

TEST_F(KubeconfigFiles, MergeFirstFileWins) {
  const std::string first = write("one/config", R"(current-context: from-first
clusters:
- name: shared
  cluster: {server: "https://first", certificate-authority: ca.crt}
users:
- name: shared
  user: {token: first-token}
contexts:
- name: shared
  context: {cluster: shared, user: shared, namespace: first-ns}
- name: from-first
  context: {cluster: shared}
)");
  const std::string second = write("two/config", R"(current-context: from-second
clusters:
- name: shared
  cluster: {server: "https://second", tls-server-name: only-in-second}
- name: extra
  cluster: {server: "https://extra", certificate-authority: extra-ca.crt}
users:
- name: shared
  user: {username: bob, password: pw}
contexts:
- name: shared
  context: {cluster: extra, user: shared}
- name: from-second
  context: {cluster: extra}
)");
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = {}, .precedence = {first, second}});
  ASSERT_TRUE(kc) << kc.error().message;
  EXPECT_EQ(kc->current_context, "from-first");
  // Whole entries: the first file's entry, with nothing filled in from the second.
  EXPECT_EQ(kc->clusters.at("shared").server, "https://first");
  EXPECT_EQ(kc->clusters.at("shared").tls_server_name, "");
  EXPECT_EQ(kc->users.at("shared").token, "first-token");
  EXPECT_EQ(kc->users.at("shared").username, "");
  EXPECT_EQ(kc->contexts.at("shared").cluster, "shared");
  EXPECT_EQ(kc->contexts.at("shared").ns, "first-ns");
  // Names only in the second file are added; each file's relative paths use its own directory.
  EXPECT_EQ(kc->clusters.at("extra").server, "https://extra");
  EXPECT_EQ(kc->clusters.at("extra").certificate_authority, (dir_ / "two" / "extra-ca.crt").string());
  EXPECT_EQ(kc->clusters.at("shared").certificate_authority, (dir_ / "one" / "ca.crt").string());
  EXPECT_TRUE(kc->contexts.contains("from-second"));
  EXPECT_EQ(kc->files, (std::vector<std::string>{first, second}));

  // Reversed precedence reverses the winners.
  auto rev = load_kubeconfig(LoadingRules{.explicit_path = {}, .precedence = {second, first}});
  ASSERT_TRUE(rev) << rev.error().message;
  EXPECT_EQ(rev->current_context, "from-second");
  EXPECT_EQ(rev->clusters.at("shared").server, "https://second");
}

TEST_F(KubeconfigFiles, CurrentContextFromFirstFileThatSetsIt) {
  const std::string none = write("none", "contexts:\n- name: a\n  context: {cluster: c}\n");
  const std::string empty = write("empty", "current-context: \"\"\n");
  const std::string sets = write("sets", "current-context: b\n");
  const std::string later = write("later", "current-context: z\n");
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = {}, .precedence = {none, empty, sets, later}});
  ASSERT_TRUE(kc) << kc.error().message;
  EXPECT_EQ(kc->current_context, "b");
}

TEST_F(KubeconfigFiles, MissingFilesAndEmptyEntriesSkipped) {
  const std::string present = write("present", "current-context: here\n");
  const std::string missing = (dir_ / "missing").string();
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = {}, .precedence = {missing, "", present, present}});
  ASSERT_TRUE(kc) << kc.error().message;
  EXPECT_EQ(kc->current_context, "here");
  EXPECT_EQ(kc->files, std::vector<std::string>{present});

  auto nothing = load_kubeconfig(LoadingRules{.explicit_path = {}, .precedence = {missing}});
  ASSERT_TRUE(nothing) << nothing.error().message;
  EXPECT_TRUE(nothing->contexts.empty());
  EXPECT_TRUE(nothing->files.empty());
}

TEST_F(KubeconfigFiles, ExplicitPathMustExistAndIsTheOnlyFile) {
  const std::string missing = (dir_ / "nope").string();
  const std::string other = write("other", "current-context: other\n");
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = missing, .precedence = {other}});
  ASSERT_FALSE(kc);
  EXPECT_EQ(kc.error().code, Errc::not_found);
  EXPECT_TRUE(contains(kc.error().message, missing)) << kc.error().message;

  const std::string mine = write("mine", "current-context: mine\n");
  auto only = load_kubeconfig(LoadingRules{.explicit_path = mine, .precedence = {other}});
  ASSERT_TRUE(only) << only.error().message;
  EXPECT_EQ(only->current_context, "mine");
  EXPECT_EQ(only->files, std::vector<std::string>{mine});
}

TEST_F(KubeconfigFiles, InvalidFileIsErrorNamingIt) {
  const std::string good = write("good", "current-context: a\n");
  const std::string bad = write("bad", "clusters: [oops\n");
  auto kc = load_kubeconfig(LoadingRules{.explicit_path = {}, .precedence = {good, bad}});
  ASSERT_FALSE(kc);
  EXPECT_TRUE(contains(kc.error().message, bad)) << kc.error().message;

  const std::string b64 = write("b64", "users:\n- name: u\n  user: {client-certificate-data: \"%%%\"}\n");
  auto kc2 = load_kubeconfig(LoadingRules{.explicit_path = b64, .precedence = {}});
  ASSERT_FALSE(kc2);
  EXPECT_TRUE(contains(kc2.error().message, b64)) << kc2.error().message;
  EXPECT_TRUE(contains(kc2.error().message, "client-certificate-data")) << kc2.error().message;

  // A directory is not readable as a file.
  fs::create_directories(dir_ / "adir");
  auto kc3 = load_kubeconfig(LoadingRules{.explicit_path = {}, .precedence = {(dir_ / "adir").string()}});
  ASSERT_FALSE(kc3);
  EXPECT_TRUE(contains(kc3.error().message, "adir")) << kc3.error().message;
}

// ---------------------------------------------------------------------------------------------
// default_loading_rules (the only test that touches the environment; it restores it)

class KubeconfigEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    save("KUBECONFIG", kubeconfig_);
    save("HOME", home_);
  }
  void TearDown() override {
    restore("KUBECONFIG", kubeconfig_);
    restore("HOME", home_);
  }

 private:
  static void save(const char* name, std::optional<std::string>& slot) {
    if (const char* v = std::getenv(name)) slot = v;
  }
  static void restore(const char* name, const std::optional<std::string>& slot) {
    if (slot) {
      ::setenv(name, slot->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  std::optional<std::string> kubeconfig_, home_;
};

TEST_F(KubeconfigEnv, DefaultLoadingRules) {
  ::setenv("HOME", "/home/tester", 1);
  ::setenv("KUBECONFIG", "/a/config::/b/config:/a/config:", 1);
  LoadingRules rules = default_loading_rules();
  EXPECT_TRUE(rules.explicit_path.empty());
  EXPECT_EQ(rules.precedence, (std::vector<std::string>{"/a/config", "/b/config"}));

  ::unsetenv("KUBECONFIG");
  rules = default_loading_rules("/explicit");
  EXPECT_EQ(rules.explicit_path, "/explicit");
  EXPECT_EQ(rules.precedence, std::vector<std::string>{"/home/tester/.kube/config"});

  ::setenv("KUBECONFIG", "", 1);  // empty = unset
  EXPECT_EQ(default_loading_rules().precedence, std::vector<std::string>{"/home/tester/.kube/config"});
}

// ---------------------------------------------------------------------------------------------
// rest_config_for

}  // namespace mcpk::kube
