#include "kube/kubeconfig.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "core/base64.hpp"

namespace mcpk::kube {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSecretToken = "s3cr3t-t0ken-value-xyz";

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A fresh directory under testing::TempDir() per test, removed afterwards.
class KubeconfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / fmt_name(std::string(info->test_suite_name()) + "_" + info->name() + "_" +
                                                     std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static std::string fmt_name(std::string s) {
    for (char& c : s) {
      if (c == '/') c = '_';
    }
    return "kubeconfig_" + s;
  }

  // Writes `text` to dir_/relative (creating folders) and returns the full path.
  std::string write(const std::string& relative, std::string_view text) {
    const fs::path p = dir_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  fs::path dir_;
};

// Parses or fails the test.
Kubeconfig parse_ok(std::string_view text, std::string_view base_dir = "/base") {
  auto kc = parse_kubeconfig(text, base_dir);
  EXPECT_TRUE(kc.has_value()) << (kc ? "" : kc.error().message);
  return kc ? *kc : Kubeconfig{};
}

const std::string kFull =
    fmt::format(R"(apiVersion: v1
kind: Config
current-context: dev
preferences: {{}}
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:6443
    certificate-authority-data: {ca}
    tls-server-name: api.prod.internal
    proxy-url: socks5://proxy.example.com:1080
    disable-compression: true
- name: dev
  cluster:
    server: https://dev.example.com
    certificate-authority: /etc/ca/dev.crt
    insecure-skip-tls-verify: false
- name: lab
  cluster:
    server: https://lab.example.com
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: {cert}
    client-key-data: {key}
    as: jane
    as-groups: [system:masters, devs]
- name: bot
  user:
    token: {token}
    tokenFile: /var/run/token
- name: basic
  user:
    username: alice
    password: wonderland
- name: cloud
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
      args: [--verbose, "1"]
      env:
      - name: FOO
        value: bar
      - name: EMPTY
      installHint: install the plugin
      provideClusterInfo: true
      interactiveMode: Never
contexts:
- name: dev
  context:
    cluster: dev
    user: bot
    namespace: team-a
- name: prod
  context:
    cluster: prod
    user: admin
- name: lab
  context:
    cluster: lab
    user: cloud
)",
                fmt::arg("ca", base64_encode("CA-PEM")), fmt::arg("cert", base64_encode("CERT-PEM")),
                fmt::arg("key", base64_encode("KEY-PEM")), fmt::arg("token", kSecretToken));

}  // namespace

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

TEST_F(KubeconfigFiles, RestReadsCaCertAndKeyFiles) {
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

TEST_F(KubeconfigFiles, RestDataWinsOverPath) {
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

TEST_F(KubeconfigFiles, RestUnreadableFileNamesContextAndPathNotContents) {
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
