// Who a caller is on a workload cluster (impersonation mode), and WC_GROUP_MAPPINGS.
#include <gtest/gtest.h>

#include "federation/identity.hpp"

namespace mcpk::federation {
namespace {

TEST(FederationIdentity, GroupMappingsAreAnObjectOfNamesOrARefusal) {
  auto m = parse_group_mappings(R"({"oidc:platform": "platform-admins", "oidc:dev": "developers"})");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->at("oidc:platform"), "platform-admins");
  EXPECT_TRUE(parse_group_mappings("")->empty());
  EXPECT_TRUE(parse_group_mappings("  ")->empty());
  for (auto bad : {"[]", "{", R"({"a": 1})", R"({"a": ""})", R"({"": "b"})", "{\"a\": \"b\\r\\nX-Evil: 1\"}"}) {
    auto r = parse_group_mappings(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("WC_GROUP_MAPPINGS"), std::string::npos);
  }
}

TEST(FederationIdentity, TheCallersEmailGroupsAndSubjectWithTheAgent) {
  Caller alice;
  alice.key = "https://dex#CiQw";
  alice.subject = "CiQw";
  alice.email = "alice@example.com";
  alice.groups = {"oidc:team-view", "oidc:platform", "oidc:team-view", "bad\r\ngroup"};
  auto who = impersonation_for(alice, GroupMappings{{"oidc:platform", "platform-admins"}});
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->user, "alice@example.com");
  EXPECT_EQ(who->groups, (std::vector<std::string>{"oidc:team-view", "platform-admins"}));  // mapped, deduplicated
  EXPECT_EQ(who->extra,
            (std::vector<std::pair<std::string, std::string>>{{"agent", "mcp-kubernetes"}, {"sub", "CiQw"}}));

  Caller nameless = alice;
  nameless.email.clear();
  EXPECT_EQ(impersonation_for(nameless, {}).error().code, Errc::unauthenticated);
  Caller forged = alice;
  forged.email = "a@b\r\nImpersonate-Group: system:masters";
  EXPECT_FALSE(impersonation_for(forged, {}));
}

}  // namespace
}  // namespace mcpk::federation
