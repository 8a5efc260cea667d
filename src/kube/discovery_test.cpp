#include "kube/discovery.hpp"

#include <gtest/gtest.h>

namespace mcpk::kube {
namespace {

// A trimmed aggregated discovery document (apidiscovery.k8s.io/v2) as /api + /apis return it.
constexpr const char* kAggregated = R"J({"kind":"APIGroupDiscoveryList","items":[
  {"metadata":{"name":""},"versions":[{"version":"v1","resources":[
    {"resource":"pods","responseKind":{"group":"","version":"v1","kind":"Pod"},"scope":"Namespaced",
     "singularResource":"pod","shortNames":["po"],"verbs":["get","list","create","delete"],
     "subresources":[{"subresource":"log"},{"subresource":"exec"},{"subresource":"status"}]},
    {"resource":"events","responseKind":{"kind":"Event"},"scope":"Namespaced","singularResource":"event",
     "shortNames":["ev"],"verbs":["get","list"]},
    {"resource":"nodes","responseKind":{"kind":"Node"},"scope":"Cluster","singularResource":"node",
     "shortNames":["no"],"verbs":["get","list"]}]}]},
  {"metadata":{"name":"apps"},"versions":[{"version":"v1","resources":[
    {"resource":"deployments","responseKind":{"kind":"Deployment"},"scope":"Namespaced",
     "singularResource":"deployment","shortNames":["deploy"],"verbs":["get","list","patch"],
     "subresources":[{"subresource":"scale"}]}]}]},
  {"metadata":{"name":"events.k8s.io"},"versions":[{"version":"v1","resources":[
    {"resource":"events","responseKind":{"kind":"Event"},"scope":"Namespaced","singularResource":"event",
     "shortNames":["ev"],"verbs":["get","list"]}]}]},
  {"metadata":{"name":"example.com"},"versions":[
    {"version":"v2","resources":[{"resource":"widgets","responseKind":{"kind":"Widget"},"scope":"Namespaced",
      "singularResource":"widget","shortNames":["wdg"],"verbs":["get","list"]}]},
    {"version":"v1","resources":[{"resource":"widgets","responseKind":{"kind":"Widget"},"scope":"Namespaced",
      "singularResource":"widget","verbs":["get","list"]}]}]},
  {"metadata":{"name":"other.io"},"versions":[{"version":"v1","resources":[
    {"resource":"widgets","responseKind":{"kind":"Widget"},"scope":"Cluster","singularResource":"widget",
     "verbs":["get"]}]}]}
]})J";

std::vector<ApiResource> resources() { return parse_aggregated_discovery(parse_json(kAggregated).value()).value(); }

}  // namespace

TEST(Discovery, ParsesAggregatedDocument) {
  auto rs = resources();
  ASSERT_EQ(rs.size(), 8u);
  const auto& pods = rs[0];
  EXPECT_EQ(pods.kind, "Pod");
  EXPECT_TRUE(pods.namespaced);
  EXPECT_TRUE(pods.preferred);
  EXPECT_TRUE(pods.has_subresource("exec"));
  EXPECT_EQ(pods.group_version(), "v1");
  EXPECT_FALSE(rs[2].namespaced);
  EXPECT_EQ(rs[3].qualified_name(), "deployments.apps");
  EXPECT_TRUE(rs[6].preferred == false && rs[6].version == "v1");  // second version of example.com
}

TEST(Discovery, ParsesLegacyResourceListFoldingSubresources) {
  auto doc = parse_json(R"J({"kind":"APIResourceList","groupVersion":"v1","resources":[
    {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get"],"shortNames":["po"]},
    {"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]}]})J")
                 .value();
  auto rs = parse_resource_list(doc, "", "v1", true).value();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_TRUE(rs[0].has_subresource("log"));
}

TEST(RestMapping, ResolvesEveryFormKubectlAccepts) {
  auto rs = resources();
  for (auto name : {"deployments", "deployment", "Deployment", "DEPLOY", "deploy", "deployments.apps",
                    "deployments.v1.apps", "deployment.apps"}) {
    auto r = resolve_resource(rs, name, "");
    ASSERT_TRUE(r) << name << ": " << r.error().message;
    EXPECT_EQ(r->resource.qualified_name(), "deployments.apps") << name;
  }
  EXPECT_EQ(resolve_resource(rs, "po", "").value().resource.resource, "pods");
  EXPECT_EQ(resolve_resource(rs, "pods", "core").value().resource.group, "");
  EXPECT_EQ(resolve_resource(rs, "pods", "v1").value().resource.group, "");
  EXPECT_EQ(resolve_resource(rs, "deployments", "apps/v1").value().resource.version, "v1");
}

TEST(RestMapping, AmbiguityResolvedLikeKubectlAndExplained) {
  auto rs = resources();
  auto ev = resolve_resource(rs, "events", "").value();
  EXPECT_EQ(ev.resource.group, "");  // the core group first
  EXPECT_NE(ev.note.find("events.events.k8s.io"), std::string::npos);
  EXPECT_EQ(resolve_resource(rs, "events", "events.k8s.io").value().resource.group, "events.k8s.io");
  auto w = resolve_resource(rs, "widgets", "").value();
  EXPECT_EQ(w.resource.group, "example.com");  // first in discovery order among non-built-ins
  EXPECT_EQ(w.resource.version, "v2");         // the group's preferred version
  EXPECT_NE(w.note.find("widgets.other.io"), std::string::npos);
  EXPECT_EQ(resolve_resource(rs, "widgets.v1.example.com", "").value().resource.version, "v1");
}

TEST(RestMapping, MissesSuggest) {
  auto rs = resources();
  auto r = resolve_resource(rs, "deploymnets", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find("did you mean deployments.apps"), std::string::npos);
  EXPECT_FALSE(resolve_resource(rs, "pods", "apps"));
  EXPECT_EQ(resolve_resource(rs, "", "").error().code, Errc::invalid_argument);
}

}  // namespace mcpk::kube
