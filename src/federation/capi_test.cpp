// Cluster API Cluster objects as data (both served versions), health at a glance, and name
// resolution (never silently ambiguous).
#include <gtest/gtest.h>

#include "federation/capi.hpp"
#include "federation/resolve.hpp"

namespace mcpk::federation {
namespace {

json::value parse(std::string_view text) { return *parse_json(text); }

constexpr std::string_view kV1beta2 = R"({
  "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster",
  "metadata": {"name": "prod-eu", "namespace": "org-acme", "creationTimestamp": "2026-11-01T10:00:00Z",
               "labels": {"release.giantswarm.io/version": "29.1.0"}},
  "spec": {"controlPlaneEndpoint": {"host": "api.prod-eu.example", "port": 6443},
           "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "AWSCluster", "name": "prod-eu"},
           "topology": {"classRef": {"name": "aws"}, "version": "v1.33.2"}},
  "status": {"phase": "Provisioned",
             "initialization": {"infrastructureProvisioned": true, "controlPlaneInitialized": true},
             "controlPlane": {"desiredReplicas": 3, "replicas": 3, "readyReplicas": 2, "availableReplicas": 2,
                              "upToDateReplicas": 3},
             "workers": {"desiredReplicas": 5, "replicas": 5, "readyReplicas": 5, "availableReplicas": 5},
             "conditions": [
               {"type": "Available", "status": "False", "reason": "NotAvailable", "message": "* ControlPlaneAvailable: 1 of 3 not ready"},
               {"type": "Paused", "status": "False", "reason": "NotPaused"}]}
})";

constexpr std::string_view kV1beta1 = R"({
  "apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster",
  "metadata": {"name": "dev", "namespace": "team-a", "labels": {"giantswarm.io/organization": "acme"}},
  "spec": {"controlPlaneEndpoint": {"host": "10.0.0.5", "port": 443},
           "infrastructureRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "AzureManagedCluster", "name": "dev"}},
  "status": {"phase": "Provisioned", "infrastructureReady": true, "controlPlaneReady": true,
             "conditions": [{"type": "Ready", "status": "True", "severity": "", "lastTransitionTime": "2026-11-01T10:00:00Z"}]}
})";

TEST(CapiCluster, BothServedVersionsReadTheSame) {
  auto a = parse_cluster(parse(kV1beta2));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->qualified(), "org-acme/prod-eu");
  EXPECT_EQ(a->provider, "aws");
  EXPECT_EQ(a->organization, "acme");  // the namespace without "org-"
  EXPECT_EQ(a->version, "v1.33.2");
  EXPECT_EQ(a->endpoint_host, "api.prod-eu.example");
  EXPECT_EQ(a->endpoint_port, 6443);
  EXPECT_TRUE(a->infrastructure_ready && a->control_plane_initialized);
  EXPECT_EQ(a->control_plane.desired, 3);
  EXPECT_EQ(a->control_plane.ready, 2);
  EXPECT_EQ(a->workers.up_to_date, -1);  // not reported
  EXPECT_FALSE(a->ready());              // Available=False wins over the phase
  EXPECT_EQ(a->status(), "NotReady");

  auto b = parse_cluster(parse(kV1beta1));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->provider, "azure");
  EXPECT_EQ(b->organization, "acme");  // the label wins
  EXPECT_TRUE(b->ready());
  EXPECT_EQ(b->status(), "Ready");

  EXPECT_FALSE(parse_cluster(parse(R"({"metadata": {}})")));
  EXPECT_FALSE(parse_cluster(parse("[]")));
  auto bare = parse_cluster(parse(R"({"metadata": {"name": "x", "namespace": "n", "deletionTimestamp": "t"}})"));
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status(), "Deleting");
  EXPECT_EQ(provider_of("DockerCluster"), "docker");
  EXPECT_EQ(provider_of("VSphereCluster"), "vsphere");
}

TEST(CapiCluster, HealthSaysWhatIsWrongWithReasons) {
  const auto lines = health_summary(*parse_cluster(parse(kV1beta2)));
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  EXPECT_NE(all.find("status: NotReady (phase Provisioned)"), std::string::npos) << all;
  EXPECT_NE(all.find("infrastructure: provisioned (aws)"), std::string::npos) << all;
  EXPECT_NE(all.find("control plane: initialized; replicas: 3 desired, 3 current, 2 ready"), std::string::npos) << all;
  EXPECT_NE(all.find("condition Available=False (NotAvailable): * ControlPlaneAvailable"), std::string::npos) << all;
  EXPECT_EQ(all.find("Paused"), std::string::npos) << all;  // Paused=False is the healthy state
  EXPECT_NE(all.find("API endpoint: api.prod-eu.example:6443"), std::string::npos) << all;
}

std::vector<WorkloadCluster> fleet() {
  std::vector<WorkloadCluster> out;
  for (auto [ns, name] : {std::pair{"org-a", "prod"}, {"org-b", "prod"}, {"org-a", "staging-eu"}, {"org-a", "Dev-1"}}) {
    WorkloadCluster c;
    c.ns = ns;
    c.name = name;
    out.push_back(c);
  }
  return out;
}

TEST(CapiResolve, ANameInTwoNamespacesIsNeverResolvedSilently) {
  const auto all = fleet();
  auto ambiguous = find_cluster(all, "prod");
  ASSERT_FALSE(ambiguous);
  EXPECT_EQ(ambiguous.error().code, Errc::invalid_argument);
  EXPECT_NE(ambiguous.error().message.find("org-a/prod, org-b/prod"), std::string::npos);
  EXPECT_EQ((*find_cluster(all, "org-b/prod"))->ns, "org-b");
  EXPECT_EQ((*find_cluster(all, "staging-eu"))->ns, "org-a");
  EXPECT_EQ(find_cluster(all, "nope").error().code, Errc::not_found);
  EXPECT_FALSE(find_cluster(all, "org-c/prod"));

  auto r = resolve_pattern(all, "staging-eu");
  EXPECT_EQ(r.how, "exact");
  r = resolve_pattern(all, "STAG");  // a unique case-insensitive substring
  ASSERT_NE(r.match, nullptr);
  EXPECT_EQ(r.match->name, "staging-eu");
  EXPECT_EQ(r.how, "substring");
  r = resolve_pattern(all, "dev-1");
  EXPECT_EQ(r.match->name, "Dev-1");
  r = resolve_pattern(all, "prod");  // exact but ambiguous: the candidates
  EXPECT_EQ(r.match, nullptr);
  EXPECT_EQ(r.candidates.size(), 2u);
  r = resolve_pattern(all, "org-a");
  EXPECT_EQ(r.match, nullptr);
  EXPECT_EQ(r.candidates.size(), 3u);
  EXPECT_TRUE(resolve_pattern(all, "zzz").candidates.empty());
}

}  // namespace
}  // namespace mcpk::federation
