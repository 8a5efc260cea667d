#include "policy/glob.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mcpk::policy {

TEST(Glob, Literals) {
  EXPECT_TRUE(glob_match("default", "default"));
  EXPECT_FALSE(glob_match("default", "defaults"));
  EXPECT_FALSE(glob_match("default", "defaul"));
}

TEST(Glob, StarAndQuestion) {
  EXPECT_TRUE(glob_match("kube-*", "kube-system"));
  EXPECT_TRUE(glob_match("kube-*", "kube-"));
  EXPECT_FALSE(glob_match("kube-*", "kube"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("team-?", "team-a"));
  EXPECT_FALSE(glob_match("team-?", "team-ab"));
  EXPECT_TRUE(glob_match("*-prod-*", "eu-prod-1"));
  EXPECT_TRUE(glob_match("a*b*c", "abbbbc"));
}

TEST(Glob, PathologicalPatternIsFast) {
  std::string text(10000, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*b", text));
}

}  // namespace mcpk::policy
