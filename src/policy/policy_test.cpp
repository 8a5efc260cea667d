#include "policy/policy.hpp"

#include <gtest/gtest.h>

namespace mcpk::policy {

TEST(Policy, NonDestructiveByDefault) {
  Policy p{PolicyConfig{}};
  EXPECT_TRUE(p.offers("get", false));
  EXPECT_FALSE(p.offers("delete", true));
  auto r = p.check_operation("delete", true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--non-destructive"), std::string::npos);
}

TEST(Policy, DryRunOffersChangesButNotExecOrPortForward) {
  PolicyConfig c;
  c.dry_run = true;
  Policy p{c};
  EXPECT_TRUE(p.offers("apply", true));
  EXPECT_FALSE(p.offers("exec", true));
  EXPECT_FALSE(p.offers("port-forward", true));
}

TEST(Policy, OperationsAndNamespacesAndResources) {
  PolicyConfig c;
  c.non_destructive = false;
  c.allowed_operations = {"get", "list", "delete"};
  c.denied_operations = {"delete"};
  c.allowed_namespaces = {"team-*", "default"};
  c.denied_namespaces = {"team-secret"};
  c.denied_resources = {"secrets", "*.rbac.authorization.k8s.io"};
  Policy p{c};
  EXPECT_TRUE(p.check_operation("get", false));
  EXPECT_FALSE(p.check_operation("logs", false));
  EXPECT_FALSE(p.check_operation("delete", true));
  EXPECT_TRUE(p.check_namespace("team-a"));
  EXPECT_TRUE(p.check_namespace(""));
  EXPECT_FALSE(p.check_namespace("kube-system"));
  EXPECT_FALSE(p.check_namespace("team-secret"));
  EXPECT_FALSE(p.check_all_namespaces());
  EXPECT_FALSE(p.check_resource("secrets", ""));
  EXPECT_FALSE(p.check_resource("roles", "rbac.authorization.k8s.io"));
  EXPECT_TRUE(p.check_resource("pods", ""));
}

}  // namespace mcpk::policy
