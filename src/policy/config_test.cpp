#include "policy/config.hpp"

#include <gtest/gtest.h>

namespace mcpk::policy {

TEST(PolicyConfig, DefaultsAreValidAndSafe) {
  PolicyConfig c;
  EXPECT_TRUE(c.non_destructive);
  EXPECT_FALSE(c.dry_run);
  EXPECT_TRUE(validate(c).has_value());
}

TEST(PolicyConfig, UnknownOperationNamesFlagAndValue) {
  PolicyConfig c;
  c.denied_operations = {"get", "destroy"};
  auto r = validate(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--denied-operations"), std::string::npos);
  EXPECT_NE(r.error().message.find("\"destroy\""), std::string::npos);
}

TEST(PolicyConfig, NamespaceGlobsChecked) {
  PolicyConfig c;
  c.allowed_namespaces = {"team-*", "default"};
  EXPECT_TRUE(validate(c));
  c.denied_namespaces = {"Kube_System"};
  EXPECT_FALSE(validate(c));
}

TEST(PolicyConfig, ResourcesChecked) {
  PolicyConfig c;
  c.denied_resources = {"secrets", "deployments.apps"};
  EXPECT_TRUE(validate(c));
  c.denied_resources = {"Secrets!"};
  EXPECT_FALSE(validate(c));
}

}  // namespace mcpk::policy
