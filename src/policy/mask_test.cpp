#include "policy/mask.hpp"

#include <gtest/gtest.h>

namespace mcpk::policy {

TEST(Mask, SecretValuesMaskedKeysKept) {
  auto v = parse_json(R"({"kind":"Secret","data":{"password":"c2VjcmV0","user":"YWRtaW4="},"stringData":{"x":"y"}})")
               .value();
  EXPECT_EQ(mask_secrets(v), 3u);
  EXPECT_EQ(to_json(v), R"({"kind":"Secret","data":{"password":"***","user":"***"},"stringData":{"x":"***"}})");
}

TEST(Mask, LastAppliedConfigurationMaskedToo) {
  auto v = parse_json(R"({"kind":"Secret","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":
    "{\"kind\":\"Secret\",\"data\":{\"k\":\"dmFsdWU=\"}}"}},"data":{"k":"dmFsdWU="}})")
               .value();
  mask_secrets(v);
  const auto text = to_json(v);
  EXPECT_EQ(text.find("dmFsdWU="), std::string::npos);
}

TEST(Mask, ListsAndTables) {
  auto list = parse_json(R"({"kind":"SecretList","items":[{"data":{"a":"Yg=="}},{"data":{"c":"ZA=="}}]})").value();
  EXPECT_EQ(mask_secrets(list), 2u);
  auto mixed =
      parse_json(
          R"({"kind":"List","items":[{"kind":"ConfigMap","data":{"a":"b"}},{"kind":"Secret","data":{"a":"b"}}]})")
          .value();
  EXPECT_EQ(mask_secrets(mixed), 1u);
  EXPECT_EQ(mixed.at("items").at(0).at("data").at("a").as_string(), "b");
  auto table =
      parse_json(R"({"kind":"Table","rows":[{"cells":["s"],"object":{"kind":"Secret","data":{"a":"b"}}}]})").value();
  EXPECT_EQ(mask_secrets(table), 1u);
}

TEST(Mask, OtherKindsUntouched) {
  auto v = parse_json(R"({"kind":"ConfigMap","data":{"a":"b"}})").value();
  EXPECT_EQ(mask_secrets(v), 0u);
}

TEST(Mask, AnAnswerResolvedToSecretsIsMaskedWithoutKinds) {
  // A Secret (or a list of them) that comes back without `kind` is still a Secret.
  auto one = *parse_json(R"J({"metadata":{"name":"s"},"data":{"k":"dg=="}})J");
  EXPECT_EQ(mask_secrets(one), 0u);
  EXPECT_EQ(mask_secrets(one, true), 1u);
  EXPECT_EQ(one.as_object().at("data").as_object().at("k").as_string(), kMasked);
  auto list = *parse_json(R"J({"items":[{"data":{"a":"x"}},{"stringData":{"b":"y"}}]})J");
  EXPECT_EQ(mask_secrets(list, true), 2u);
  auto table = *parse_json(R"J({"kind":"Table","rows":[{"cells":["s"],"object":{"data":{"a":"x"}}}]})J");
  EXPECT_EQ(mask_secrets(table, true), 1u);
}

}  // namespace mcpk::policy
