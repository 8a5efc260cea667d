// The workload clusters read from a (fake) management cluster: v1beta2 preferred, v1beta1 where
// only it is served, paging to the end, a clear 403 for a caller who may not list cluster-wide,
// and a clear error where Cluster API is not installed.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "federation/directory.hpp"
#include "kube/fake_api_test_support.hpp"

namespace mcpk::federation {
namespace {

using kube::fake::answer;
using kube::fake::FakeApiServer;
using kube::fake::Seen;
namespace http = kube::fake::http;

std::string discovery(std::string_view target, bool v1beta2) {
  if (target == "/api") return R"({"kind":"APIVersions","versions":["v1"]})";
  if (target == "/api/v1") return R"({"kind":"APIResourceList","groupVersion":"v1","resources":[]})";
  if (target == "/apis") {
    return fmt::format(
        R"({{"kind":"APIGroupList","groups":[{{"name":"cluster.x-k8s.io","versions":[{}{{"groupVersion":"cluster.x-k8s.io/v1beta1","version":"v1beta1"}}],"preferredVersion":{{"groupVersion":"cluster.x-k8s.io/v1beta1","version":"v1beta1"}}}}]}})",
        v1beta2 ? R"({"groupVersion":"cluster.x-k8s.io/v1beta2","version":"v1beta2"},)" : "");
  }
  for (auto v : {"v1beta1", "v1beta2"}) {
    if (target == fmt::format("/apis/cluster.x-k8s.io/{}", v)) {
      return fmt::format(
          R"({{"kind":"APIResourceList","groupVersion":"cluster.x-k8s.io/{}","resources":[{{"name":"clusters","singularName":"cluster","namespaced":true,"kind":"Cluster","verbs":["get","list"]}}]}})",
          v);
    }
  }
  return {};
}

std::string item(std::string_view ns, std::string_view name) {
  return fmt::format(R"({{"metadata":{{"name":"{}","namespace":"{}"}},"status":{{"phase":"Provisioned"}}}})", name, ns);
}

struct Fixture {
  net::io_context io;
  std::unique_ptr<FakeApiServer> api;
  std::shared_ptr<kube::Client> client;
  explicit Fixture(FakeApiServer::Handler handler) {
    api = std::make_unique<FakeApiServer>(io, std::move(handler));
    client = *kube::Client::create(io.get_executor(), api->config(), {});
  }
  kube::CallContext cc() { return {kube::Clock::now() + std::chrono::seconds(5), nullptr, RequestScope{}}; }
};

TEST(CapiDirectory, ListsEveryPageOfThePreferredVersion) {
  Fixture f([](const Seen& s) {
    if (auto d = discovery(s.target.substr(0, s.target.find('?')), true); !d.empty()) return answer(200, d);
    if (s.target == "/apis/cluster.x-k8s.io/v1beta2/clusters?labelSelector=env%3Dprod&limit=500") {
      return answer(200,
                    R"({"kind":"ClusterList","metadata":{"continue":"page2"},"items":[)" + item("org-a", "one") + "]}");
    }
    if (s.target == "/apis/cluster.x-k8s.io/v1beta2/clusters?labelSelector=env%3Dprod&limit=500&continue=page2") {
      return answer(200, R"({"kind":"ClusterList","metadata":{},"items":[)" + item("org-b", "two") + "]}");
    }
    return answer(404, R"({"kind":"Status","code":404,"message":"not here"})");
  });
  std::vector<WorkloadCluster> got;
  kube::fake::run(f.io, [&]() -> Task<void> {
    const auto cc = f.cc();
    auto r = co_await list_clusters(*f.client, "env=prod", 100, cc);
    EXPECT_TRUE(r) << r.error().message;
    if (r) got = std::move(*r);
  });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].qualified(), "org-a/one");
  EXPECT_EQ(got[1].qualified(), "org-b/two");
  EXPECT_EQ(got[0].api_version, "cluster.x-k8s.io/v1beta2");
}

TEST(CapiDirectory, FallsBackToV1beta1AndExplainsRefusals) {
  int listed = 0;
  Fixture f([&listed](const Seen& s) {
    if (auto d = discovery(s.target.substr(0, s.target.find('?')), false); !d.empty()) return answer(200, d);
    if (s.target.starts_with("/apis/cluster.x-k8s.io/v1beta1/clusters?")) {
      ++listed;
      return answer(
          403,
          R"({"kind":"Status","code":403,"reason":"Forbidden","message":"clusters.cluster.x-k8s.io is forbidden: User \"alice\" cannot list resource \"clusters\""})");
    }
    if (s.target == "/apis/cluster.x-k8s.io/v1beta1/namespaces/org-a/clusters/one")
      return answer(200, item("org-a", "one"));
    return answer(404, R"({"kind":"Status","code":404,"message":"not here"})");
  });
  kube::fake::run(f.io, [&]() -> Task<void> {
    const auto cc = f.cc();
    auto resource = co_await cluster_resource(*f.client, cc);
    EXPECT_TRUE(resource && resource->version == "v1beta1");
    auto list = co_await list_clusters(*f.client, "", 100, cc);
    EXPECT_FALSE(list);
    if (!list) {
      EXPECT_EQ(list.error().code, Errc::forbidden);
      EXPECT_NE(list.error().message.find("name a cluster as namespace/name"), std::string::npos);
    }
    auto one = co_await get_cluster(*f.client, "org-a", "one", cc);
    EXPECT_TRUE(one && one->name == "one");
  });
  EXPECT_EQ(listed, 1);
}

TEST(CapiDirectory, NoClusterApiIsAClearError) {
  Fixture f([](const Seen& s) {
    if (s.target == "/apis") return answer(200, R"({"kind":"APIGroupList","groups":[]})");
    if (auto d = discovery(s.target, true); !d.empty() && !s.target.starts_with("/apis/")) return answer(200, d);
    return answer(404, R"({"kind":"Status","code":404,"message":"not here"})");
  });
  kube::fake::run(f.io, [&]() -> Task<void> {
    const auto cc = f.cc();
    auto r = co_await list_clusters(*f.client, "", 100, cc);
    EXPECT_FALSE(r);
    if (!r) {
      EXPECT_NE(r.error().message.find("is Cluster API installed there?"), std::string::npos);
    }
  });
}

}  // namespace
}  // namespace mcpk::federation
