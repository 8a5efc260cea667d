#include "kube/status.hpp"

#include <gtest/gtest.h>

namespace mcpk::kube {

TEST(Status, ForbiddenKeepsUserVerbResource) {
  HttpResponse r{
      403,
      R"({"kind":"Status","status":"Failure","message":"pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","code":403})",
      "application/json",
      {}};
  auto e = status_error(r, "viewer");
  EXPECT_EQ(e.code, Errc::forbidden);
  EXPECT_NE(e.message.find("User \"bob\" cannot list resource \"pods\""), std::string::npos);
  EXPECT_NE(e.message.find("context viewer"), std::string::npos);
  EXPECT_EQ(e.http_status, 403);
}

TEST(Status, NotFoundAndPlainBodies) {
  HttpResponse nf{
      404, R"({"kind":"Status","message":"pods \"web\" not found","reason":"NotFound","code":404})", "", {}};
  EXPECT_EQ(status_error(nf, "").message, "not found: pods \"web\" not found");
  HttpResponse plain{502, "Bad Gateway", "text/plain", {}};
  auto e = status_error(plain, "c");
  EXPECT_EQ(e.code, Errc::unavailable);
  EXPECT_NE(e.message.find("Bad Gateway"), std::string::npos);
  HttpResponse gone{410, R"({"message":"The provided continue parameter is too old"})", "", {}};
  EXPECT_NE(status_error(gone, "").message.find("list again"), std::string::npos);
}

}  // namespace mcpk::kube
