#include "tools/render.hpp"

#include <gtest/gtest.h>

namespace mcpk::tools {

TEST(Slim, RemovesNoiseKeepsState) {
  auto v = parse_json(R"J({
    "kind":"Pod","metadata":{"name":"web","namespace":"default","uid":"u","resourceVersion":"5","managedFields":[{}],
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"},"labels":{"app":"web"},
      "ownerReferences":[{"kind":"ReplicaSet"}]},
    "spec":{"schedulerName":"default-scheduler","dnsPolicy":"ClusterFirst","terminationGracePeriodSeconds":30,
      "containers":[{"name":"c","image":"nginx","terminationMessagePath":"/dev/termination-log",
        "livenessProbe":{"httpGet":{"path":"/","port":80,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":5},
        "volumeMounts":[{"name":"kube-api-access-x","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]}],
      "volumes":[{"name":"kube-api-access-x","projected":{}}],
      "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]},
    "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"x"}]}})J")
               .value();
  slim(v);
  EXPECT_EQ(
      to_json(v),
      R"J({"kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},)J"
      R"J("spec":{"containers":[{"name":"c","image":"nginx","livenessProbe":{"httpGet":{"path":"/","port":80},"periodSeconds":5}}]},)J"
      R"J("status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})J");
}

TEST(Slim, SummarisesLongEnv) {
  json::array env;
  for (int i = 0; i < 25; ++i) env.push_back(json::object{{"name", "V" + std::to_string(i)}, {"value", "x"}});
  json::value v = json::object{
      {"kind", "Pod"}, {"spec", json::object{{"containers", json::array{json::object{{"name", "c"}, {"env", env}}}}}}};
  slim(v);
  const auto& out = v.at("spec").at("containers").at(0).at("env").as_array();
  ASSERT_EQ(out.size(), 11u);
  EXPECT_NE(std::string_view(out.back().at("value").as_string()).find("15 more of 25"), std::string_view::npos);
}

TEST(Yaml, QuotesAmbiguousScalars) {
  auto v = parse_json(
               R"J({"a":"true","b":"123","c":"plain text","d":1,"e":null,"f":[],"g":{"h":["x","yes"]},"m":"l1\nl2"})J")
               .value();
  EXPECT_EQ(to_yaml(v),
            "a: \"true\"\nb: \"123\"\nc: plain text\nd: 1\ne: null\nf: []\ng:\n  h:\n  - x\n  - \"yes\"\nm: |-\n  l1\n "
            " l2\n");
}

TEST(Yaml, ListsOfObjects) {
  auto v = parse_json(R"J({"items":[{"name":"a","ports":[{"p":1}]},{"name":"b"}]})J").value();
  EXPECT_EQ(to_yaml(v), "items:\n- name: a\n  ports:\n  - p: 1\n- name: b\n");
}

TEST(Table, RendersDefaultColumnsAligned) {
  auto t = parse_json(R"J({"kind":"Table","columnDefinitions":[
      {"name":"Name","type":"string","priority":0},{"name":"Ready","type":"string","priority":0},
      {"name":"IP","type":"string","priority":1}],
    "rows":[{"cells":["web-1","1/1","10.0.0.1"],"object":{"metadata":{"name":"web-1","namespace":"default"}}},
            {"cells":["db","0/1",null],"object":{"metadata":{"name":"db","namespace":"team-a"}}}]})J")
               .value();
  EXPECT_EQ(render_table(t.as_object(), false), "NAME    READY\nweb-1   1/1\ndb      0/1\n");
  EXPECT_EQ(render_table(t.as_object(), true),
            "NAMESPACE   NAME    READY\ndefault     web-1   1/1\nteam-a      db      0/1\n");
}

// Fuzzing finding 5 (fuzz/findings/age-year-1699): the age of a time centuries ago does not
// overflow (it is computed in seconds).
TEST(Table, AgesOfVeryOldTimesDoNotOverflow) {
  auto t = parse_json(R"J({"kind":"Table","columnDefinitions":[
      {"name":"Name","type":"string","priority":0},{"name":"Created","type":"date","priority":0}],
    "rows":[{"cells":["old","1699-12-31T23:59:59Z"]},{"cells":["older","1700-01-01T00:00:00.5-00:30"]}]})J")
               .value();
  const auto text = render_table(t.as_object(), false);
  EXPECT_NE(text.find("old"), std::string::npos);
  EXPECT_EQ(text.find("-"), std::string::npos) << text;  // no negative (overflowed) age
}

}  // namespace mcpk::tools
