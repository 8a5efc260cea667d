#include "kube/exec.hpp"

#include <gtest/gtest.h>

namespace mcpk::kube {

TEST(ExecStatus, ExitCodes) {
  std::string failure;
  EXPECT_EQ(exit_code_from_status(R"({"metadata":{},"status":"Success"})", failure), 0);
  EXPECT_EQ(
      exit_code_from_status(
          R"({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"42"}]}})",
          failure),
      42);
  EXPECT_EQ(
      exit_code_from_status(
          R"({"status":"Failure","message":"error executing command in container: cmd wait: sh -c exit 3: exit status 3"})",
          failure),
      3);
  EXPECT_EQ(exit_code_from_status(R"J({"status":"Failure","message":"container not found (\"x\")"})J", failure), -1);
  EXPECT_EQ(failure, "container not found (\"x\")");
}

}  // namespace mcpk::kube
