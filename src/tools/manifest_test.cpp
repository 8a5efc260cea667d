#include "tools/manifest.hpp"

#include <gtest/gtest.h>

namespace mcpk::tools {

TEST(Manifest, YamlScalarsTypedLikeYaml12) {
  auto docs = parse_yaml_documents("a: 1\nb: '1'\nc: true\nd: \"true\"\ne: ~\nf: 1.5\ng: v1\nh: 0755\n").value();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(to_json(docs[0]), R"({"a":1,"b":"1","c":true,"d":"true","e":null,"f":1.5E0,"g":"v1","h":755})");
}

TEST(Manifest, MultiDocumentAndLists) {
  auto objs =
      manifest_objects(json::value("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n"
                                   "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: "
                                   "{name: s}}\n"))
          .value();
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(string_or(objs[1], "kind"), "Secret");
}

TEST(Manifest, JsonStringAndObject) {
  EXPECT_EQ(manifest_objects(json::value(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}})")).value().size(),
            1u);
  json::value o = json::object{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", json::object{{"name", "p"}}}};
  EXPECT_EQ(manifest_objects(o).value().size(), 1u);
}

TEST(Manifest, ClearErrors) {
  auto bad = manifest_objects(json::value("apiVersion: v1\nkind: [oops\n"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("invalid YAML at line"), std::string::npos);
  auto nokind = manifest_objects(json::value("apiVersion: v1\nmetadata: {name: x}\n"));
  ASSERT_FALSE(nokind);
  EXPECT_NE(nokind.error().message.find("document 1 has no kind"), std::string::npos);
  EXPECT_FALSE(manifest_objects(json::value("")));
  EXPECT_FALSE(manifest_objects(json::value(42)));
  EXPECT_FALSE(manifest_objects(json::value("- a\n- b\n")));
}

}  // namespace mcpk::tools
