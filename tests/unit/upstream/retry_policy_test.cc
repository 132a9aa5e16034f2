#include "worker/upstream/retry_policy.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

AttemptHistory first() {
  AttemptHistory h;
  h.attempts = 1;
  return h;
}

TEST(RetryPolicy, NeverReceivedIsRetriedForAnyMethod) {
  for (const char* method : {"GET", "POST", "PATCH"}) {
    EXPECT_TRUE(may_retry(AttemptFailure::kConnectFailed, method, first())) << method;
    EXPECT_TRUE(may_retry(AttemptFailure::kConnectTimedOut, method, first())) << method;
    EXPECT_TRUE(may_retry(AttemptFailure::kNotDelivered, method, first())) << method;
  }
}

TEST(RetryPolicy, SeenButUnansweredOnlyWhenIdempotent) {
  for (const char* method : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}) {
    EXPECT_TRUE(may_retry(AttemptFailure::kClosedBeforeResponse, method, first())) << method;
    EXPECT_TRUE(may_retry(AttemptFailure::kBadResponse, method, first())) << method;
  }
  for (const char* method : {"POST", "PATCH", "CONNECT"}) {
    EXPECT_FALSE(may_retry(AttemptFailure::kClosedBeforeResponse, method, first())) << method;
    EXPECT_FALSE(may_retry(AttemptFailure::kBadResponse, method, first())) << method;
  }
}

TEST(RetryPolicy, TimeoutIsNotRetried) {
  EXPECT_FALSE(may_retry(AttemptFailure::kTimedOut, "GET", first()));
}

TEST(RetryPolicy, NothingOnceTheClientSawAResponse) {
  AttemptHistory h = first();
  h.response_started = true;
  EXPECT_FALSE(may_retry(AttemptFailure::kConnectFailed, "GET", h));
  EXPECT_FALSE(may_retry(AttemptFailure::kClosedBeforeResponse, "GET", h));
}

TEST(RetryPolicy, NothingWhenTheBodyIsNoLongerHeld) {
  AttemptHistory h = first();
  h.body_replayable = false;
  EXPECT_FALSE(may_retry(AttemptFailure::kConnectFailed, "PUT", h));
}

TEST(RetryPolicy, BoundedByTriesAndTime) {
  AttemptHistory h = first();
  h.attempts = 3;
  h.max_tries = 3;
  EXPECT_FALSE(may_retry(AttemptFailure::kConnectFailed, "GET", h));
  h.attempts = 2;
  EXPECT_TRUE(may_retry(AttemptFailure::kConnectFailed, "GET", h));
  h.elapsed_ms = h.retry_timeout_ms;
  EXPECT_FALSE(may_retry(AttemptFailure::kConnectFailed, "GET", h));
}

TEST(RetryPolicy, OnlyConnectFailuresMarkAServerDown) {
  EXPECT_TRUE(marks_server_down(AttemptFailure::kConnectFailed));
  EXPECT_TRUE(marks_server_down(AttemptFailure::kConnectTimedOut));
  EXPECT_FALSE(marks_server_down(AttemptFailure::kClosedBeforeResponse));
  EXPECT_FALSE(marks_server_down(AttemptFailure::kTimedOut));
}

}  // namespace
}  // namespace hearth
