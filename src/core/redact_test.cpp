#include "core/redact.hpp"

#include <gtest/gtest.h>

namespace mcpk {

TEST(Redact, SecretShowsOnlyWhetherSet) {
  EXPECT_EQ(redact_secret(""), "<unset>");
  EXPECT_EQ(redact_secret("hunter2"), "<redacted>");
}

TEST(Redact, UrlPasswordAndTokenParamsRemoved) {
  EXPECT_EQ(redact_url("redis://user:pa55@valkey:6379/0"), "redis://user:redacted@valkey:6379/0");
  EXPECT_EQ(redact_url("https://idp/cb?state=abc&code=xyz&access_token=t"),
            "https://idp/cb?state=abc&code=redacted&access_token=redacted");
  EXPECT_EQ(redact_url("https://example.com/path"), "https://example.com/path");
}

TEST(Redact, NonUrlTextUnchanged) { EXPECT_EQ(redact_url("not a url %%"), "not a url %%"); }

}  // namespace mcpk
