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

TEST(ExecWatchdog, WrapsTheCommandUnchanged) {
  const auto w = stoppable_command({"echo", "a b", "$HOME"}, 7);
  ASSERT_EQ(w.size(), 7U);
  EXPECT_EQ(w[0], "sh");
  EXPECT_EQ(w[1], "-c");
  EXPECT_NE(w[2].find("' sh 7 '"), std::string::npos);  // the watchdog's seconds
  EXPECT_NE(w[2].find("(sleep 7 >/dev/null"), std::string::npos);
  EXPECT_EQ(w[3], "sh");  // $0; the command's words follow as $1..., never parsed by the shell
  EXPECT_EQ(w[4], "echo");
  EXPECT_EQ(w[5], "a b");
  EXPECT_EQ(w[6], "$HOME");
}

TEST(ExecWatchdog, TakesItsPidLineOffStderr) {
  std::string err = std::string(kWatchdogPrefix) + "4242]\nreal stderr\n";
  EXPECT_EQ(take_watchdog_pid(err), 4242);
  EXPECT_EQ(err, "real stderr\n");
  for (std::string bad : {std::string("no prefix\n"), std::string(kWatchdogPrefix) + "12",
                          std::string(kWatchdogPrefix) + "x1]\n", std::string(kWatchdogPrefix) + "1]\n"}) {
    const auto before = bad;
    EXPECT_FALSE(take_watchdog_pid(bad)) << bad;
    EXPECT_EQ(bad, before);
  }
}

TEST(ExecWatchdog, MissingShell) {
  EXPECT_TRUE(missing_shell(
      R"(OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown)"));
  EXPECT_TRUE(missing_shell(R"(exec: "sh": stat sh: no such file or directory)"));
  EXPECT_FALSE(missing_shell("container not found (\"sh\")x"));
  EXPECT_FALSE(missing_shell("exit status 127"));
}

}  // namespace mcpk::kube
