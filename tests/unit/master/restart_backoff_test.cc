#include "master/restart_backoff.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

using Ms = std::chrono::milliseconds;

TEST(RestartBackoff, FirstDeathRestartsAtOnceThenDoublesUpToTheCap) {
  RestartBackoff b;
  EXPECT_EQ(b.on_death(Ms(5)).count(), 0);
  EXPECT_EQ(b.on_death(Ms(5)).count(), 100);
  EXPECT_EQ(b.on_death(Ms(5)).count(), 200);
  EXPECT_EQ(b.on_death(Ms(5)).count(), 400);
  EXPECT_EQ(b.on_death(Ms(5)).count(), 800);
  EXPECT_EQ(b.on_death(Ms(5)).count(), 1600);
  EXPECT_EQ(b.on_death(Ms(5)).count(), 3200);
  EXPECT_EQ(b.on_death(Ms(5)).count(), 5000);
  for (int i = 0; i < 100; i++) EXPECT_EQ(b.on_death(Ms(5)).count(), 5000);  // never gives up, never overflows
  EXPECT_EQ(b.deaths_in_a_row(), 108);
}

TEST(RestartBackoff, AHealthyLifeResetsTheCount) {
  RestartBackoff b;
  b.on_death(Ms(5));
  b.on_death(Ms(5));
  b.on_death(Ms(5));
  EXPECT_EQ(b.on_death(RestartBackoff::kHealthyLife).count(), 0);
  EXPECT_EQ(b.deaths_in_a_row(), 1);
  EXPECT_EQ(b.on_death(Ms(5)).count(), 100);
}

TEST(RestartBackoff, ResetForgetsTheDeaths) {
  RestartBackoff b;
  b.on_death(Ms(5));
  b.on_death(Ms(5));
  b.reset();
  EXPECT_EQ(b.on_death(Ms(5)).count(), 0);
}

}  // namespace
}  // namespace hearth
