#include "tools/manifest.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <chrono>

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

// Found probing as a hostile client: 600 bytes of aliases expanding to 10^8 values held the
// I/O thread for 30 s and took 4 GB. Past a budget (half the text's size, plus 10,000) the
// expansion is refused at once.
TEST(Manifest, AnAliasBombIsRefusedAtOnce) {
  std::string doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  l0: &l0 [x,x,x,x,x,x,x,x,x,x]\n";
  for (int i = 1; i < 8; ++i) {
    doc += fmt::format("  l{}: &l{} [", i, i);
    for (int k = 0; k < 10; ++k) doc += fmt::format("{}*l{}", k ? "," : "", i - 1);
    doc += "]\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto r = parse_yaml_documents(doc);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("billion"), std::string::npos) << r.error().message;
  // A few aliases, as real manifests use them, are fine.
  auto ok = parse_yaml_documents("a: &a {k: v}\nb: *a\nc: [*a, *a]\n");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(to_json(ok->front()), R"({"a":{"k":"v"},"b":{"k":"v"},"c":[{"k":"v"},{"k":"v"}]})");
}

// Found by fuzz_manifest: yaml-cpp 0.7 makes no progress on a stray ',' at the top level and
// returns empty documents forever (a 75-byte manifest froze the server and took 5 GB in 15 s).
TEST(Manifest, AStrayFlowIndicatorIsAnErrorNotAHang) {
  for (std::string text : {",[1]", ",\"items\":[{\"kind\":1\"C\"}]}", "- a\n,", "a: 1\n...\n,", "---\n,"}) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = parse_yaml_documents(text);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1)) << text;
    EXPECT_FALSE(r) << text;
  }
  // Found by fuzz_manifest too: NULs made yaml-cpp decode the text as UTF-32 into invalid UTF-8.
  auto nul = parse_yaml_documents(std::string("x\0\0\0: [1]", 10));
  ASSERT_FALSE(nul);
  EXPECT_NE(nul.error().message.find("line 1, column 2: control character U+0000"), std::string::npos)
      << nul.error().message;
  EXPECT_TRUE(parse_yaml_documents("a:\tb\r\nc: d\n"));
  auto three = parse_yaml_documents("a: 1\n---\nb: 2\n...\n---\nc: 3\n");
  ASSERT_TRUE(three) << three.error().message;
  EXPECT_EQ(three->size(), 3u);
}

TEST(Manifest, TagsAnchorsAndKeys) {
  auto r = parse_yaml_documents("s: !!str 3\nq: '4'\nn: 5\nk: &k name\n*k : v\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(to_json(r->front()), R"({"s":"3","q":"4","n":5,"k":"name","name":"v"})");
  auto bad = parse_yaml_documents("? [a, b]\n: v\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("keys must be scalars"), std::string::npos) << bad.error().message;
}

}  // namespace mcpk::tools
