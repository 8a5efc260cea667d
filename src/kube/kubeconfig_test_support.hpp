/// @file
/// @brief What the kubeconfig unit tests share: fixtures with temporary files and environment,
/// and parsing helpers. Included by *_test.cpp only.
#pragma once

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

#include "kube/kubeconfig.hpp"

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
}  // namespace mcpk::kube
