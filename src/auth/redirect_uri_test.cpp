#include "auth/redirect_uri.hpp"

#include <gtest/gtest.h>

#include "auth/server.hpp"
#include "auth/upstream.hpp"

namespace mcpk::auth {
namespace {

TEST(RedirectUriTest, ProductionDefaults) {
  const RedirectPolicy p;
  EXPECT_TRUE(check_redirect_uri("https://app.example.com/cb", p));
  EXPECT_TRUE(check_redirect_uri("http://127.0.0.1:3000/callback", p));
  EXPECT_TRUE(check_redirect_uri("http://localhost/callback", p));
  EXPECT_TRUE(check_redirect_uri("http://[::1]:8080/cb", p));
  EXPECT_TRUE(check_redirect_uri("cursor://anysphere.cursor-retrieval/oauth/callback", p));
  EXPECT_TRUE(check_redirect_uri("com.example.app:/oauth2redirect", p));
  EXPECT_FALSE(check_redirect_uri("http://app.example.com/cb", p));
  EXPECT_FALSE(check_redirect_uri("https://app.example.com/cb#frag", p));
  EXPECT_FALSE(check_redirect_uri("https://user:pw@app.example.com/cb", p));
  EXPECT_FALSE(check_redirect_uri("javascript:alert(1)", p));
  EXPECT_FALSE(check_redirect_uri("JavaScript:alert(1)", p));
  EXPECT_FALSE(check_redirect_uri("data:text/html,x", p));
  EXPECT_FALSE(check_redirect_uri("file:///etc/passwd", p));
  EXPECT_FALSE(check_redirect_uri("/relative", p));
  EXPECT_FALSE(check_redirect_uri("", p));
  EXPECT_FALSE(check_redirect_uri("https://10.0.0.1/cb", p));
  EXPECT_FALSE(check_redirect_uri("https://169.254.169.254/latest", p));
  EXPECT_FALSE(check_redirect_uri("https://0.0.0.0/cb", p));
  EXPECT_FALSE(check_redirect_uri("https://" + std::string(3000, 'a') + ".com/", p));
}

TEST(RedirectUriTest, OperatorAllowances) {
  RedirectPolicy p;
  p.allow_private_ips = true;
  EXPECT_TRUE(check_redirect_uri("https://10.0.0.1/cb", p));
  EXPECT_FALSE(check_redirect_uri("https://169.254.1.1/cb", p));
  p.allow_link_local = true;
  EXPECT_TRUE(check_redirect_uri("https://169.254.1.1/cb", p));
  RedirectPolicy dev;
  dev.production = false;
  EXPECT_TRUE(check_redirect_uri("http://app.internal/cb", dev));
  EXPECT_TRUE(check_redirect_uri("http://192.168.1.5/cb", dev));
  EXPECT_FALSE(check_redirect_uri("javascript:x", dev));
}

TEST(RedirectUriTest, ErrorsCutTheInput) {
  auto r = check_redirect_uri("http://evil.example.com/" + std::string(5000, 'x'), RedirectPolicy{});
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message.size(), 600u);
}

TEST(RedirectUriTest, LoopbackMatchesAnyPort) {
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1/callback", "http://127.0.0.1:54321/callback"));
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1:3000/callback", "http://127.0.0.1:4000/callback"));
  EXPECT_TRUE(redirect_uri_matches("http://localhost:3000/cb", "http://localhost:9/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/callback", "http://127.0.0.1:1/other"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/callback", "http://localhost/callback"));
  EXPECT_FALSE(redirect_uri_matches("https://app.example.com/cb", "https://app.example.com:444/cb"));
  EXPECT_FALSE(redirect_uri_matches("https://app.example.com/cb", "https://app.example.com/cb/"));
  EXPECT_FALSE(redirect_uri_matches("https://app.example.com/cb", "https://app.example.com/cb?x=1"));
  EXPECT_TRUE(redirect_uri_matches("https://app.example.com/cb", "https://app.example.com/cb"));
}

TEST(OAuthParamsTest, ParsesAndRefusesRepeats) {
  auto p = parse_params("a=1&b=x%20y&c=&d");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)["a"], "1");
  EXPECT_EQ((*p)["b"], "x y");
  EXPECT_EQ((*p)["c"], "");
  EXPECT_TRUE(p->contains("d"));
  // a form's '+' is a space, "%2B" a plus; the last value ends where the text ends
  auto form = parse_params(std::string("scope=mcp+x&plus=%2B&k%3D=v&end=mcp\"nge\":1}").substr(0, 35));
  ASSERT_TRUE(form);
  EXPECT_EQ((*form)["scope"], "mcp x");
  EXPECT_EQ((*form)["plus"], "+");
  EXPECT_EQ((*form)["k="], "v");
  EXPECT_EQ((*form)["end"], "mcp");
  EXPECT_FALSE(parse_params("a=%4"));
  EXPECT_FALSE(parse_params("a=1&a=2"));
  EXPECT_FALSE(parse_params("a=%zz"));
  std::string many;
  for (int i = 0; i < 70; ++i) many += "k" + std::to_string(i) + "=v&";
  EXPECT_FALSE(parse_params(many));
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(ProviderProfileTest, DexAndGoogle) {
  UpstreamConfig dex;
  dex.connector_id = "github";
  dex.k8s_audience_client_id = "kubernetes";
  auto d = provider_profile(dex);
  EXPECT_NE(std::find(d.scopes.begin(), d.scopes.end(), "groups"), d.scopes.end());
  EXPECT_NE(std::find(d.scopes.begin(), d.scopes.end(), "offline_access"), d.scopes.end());
  EXPECT_NE(std::find(d.scopes.begin(), d.scopes.end(), "audience:server:client_id:kubernetes"), d.scopes.end());
  ASSERT_EQ(d.authorize_params.size(), 1u);
  EXPECT_EQ(d.authorize_params[0].first, "connector_id");
  EXPECT_TRUE(d.has_groups);

  UpstreamConfig google;
  google.provider = "google";
  google.connector_id = "ignored";
  auto g = provider_profile(google);
  EXPECT_EQ(g.scopes, (std::vector<std::string>{"openid", "email", "profile"}));
  EXPECT_FALSE(g.has_groups);
  // Google returns a refresh token only for offline access, and again only after consent.
  EXPECT_NE(std::find(g.authorize_params.begin(), g.authorize_params.end(),
                      std::pair<std::string, std::string>{"access_type", "offline"}),
            g.authorize_params.end());
  EXPECT_NE(std::find(g.authorize_params.begin(), g.authorize_params.end(),
                      std::pair<std::string, std::string>{"prompt", "consent"}),
            g.authorize_params.end());
}

}  // namespace
}  // namespace mcpk::auth
