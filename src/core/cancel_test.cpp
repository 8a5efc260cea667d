#include "core/cancel.hpp"

#include <gtest/gtest.h>

namespace mcpk {

TEST(CancelToken, RunsRegisteredCallbacksOnce) {
  auto t = CancelToken::make();
  int calls = 0;
  auto reg = CancelToken::on_cancel(t, [&] { ++calls; });
  t->cancel("timeout");
  t->cancel("again");
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(t->cancelled());
  EXPECT_EQ(t->reason(), "timeout");
}

TEST(CancelToken, DeregisteredCallbackDoesNotRun) {
  auto t = CancelToken::make();
  int calls = 0;
  {
    auto reg = CancelToken::on_cancel(t, [&] { ++calls; });
  }
  t->cancel("x");
  EXPECT_EQ(calls, 0);
}

TEST(CancelToken, LateRegistrationRunsAtOnce) {
  auto t = CancelToken::make();
  t->cancel("x");
  int calls = 0;
  auto reg = CancelToken::on_cancel(t, [&] { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST(CancelToken, NullTokenIsNeverCancelled) {
  int calls = 0;
  auto reg = CancelToken::on_cancel(nullptr, [&] { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace mcpk
