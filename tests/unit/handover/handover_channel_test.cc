// The hand-over channel: a socket and its request pass whole; the counts
// of a crash; what is malformed is skipped without leaking the socket.
#include "ipc/handover.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace hearth {
namespace {

class HandoverChannel : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(make_handover_channel(fds_)); }
  void TearDown() override {
    close(fds_[0]);
    close(fds_[1]);
  }
  int fds_[2];
};

TEST_F(HandoverChannel, ASocketAndItsRequestPassWhole) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  std::string request = "GET /demo/wait?ms=5 HTTP/1.1\r\nHost: h\r\n\r\n";
  ASSERT_TRUE(send_handover(fds_[1], HandoverKind::kReplay, 2, pair[0], request.data(), request.size()));
  close(pair[0]);  // ours goes; the one in flight keeps the connection
  ReceivedHandover h;
  ASSERT_EQ(receive_handover(fds_[0], &h), 1);
  EXPECT_EQ(h.kind, HandoverKind::kReplay);
  EXPECT_EQ(h.listener, 2);
  EXPECT_EQ(h.bytes, request);
  ASSERT_GE(h.socket, 0);
  EXPECT_EQ(write(h.socket, "hi", 2), 2) << "the same connection";
  char buf[2];
  EXPECT_EQ(read(pair[1], buf, 2), 2);
  EXPECT_NE(fcntl(h.socket, F_GETFD) & FD_CLOEXEC, 0);
  close(h.socket);
  close(pair[1]);
  EXPECT_EQ(receive_handover(fds_[0], &h), 0) << "nothing more now";
}

TEST_F(HandoverChannel, CrashCountsArriveAndDescribeThemselves) {
  CrashCounts sent;
  sent.answered_500 = 1;
  sent.handed_over = 37;
  sent.replayed = 2;
  sent.answered_503 = 1;
  sent.websockets_1012 = 5;
  ASSERT_TRUE(send_crash_counts(fds_[1], sent));
  ReceivedHandover h;
  ASSERT_EQ(receive_handover(fds_[0], &h), 1);
  EXPECT_EQ(h.kind, HandoverKind::kSummary);
  EXPECT_EQ(h.socket, -1);
  EXPECT_EQ(describe_crash_counts(h.counts),
            "1 request answered 500, 37 connections handed over, 2 replayed, 1 answered 503, "
            "5 WebSockets closed 1012, 0 TLS closed, 0 cut");
}

TEST_F(HandoverChannel, MalformedPacketsAreSkippedAndTheirSocketsClosed) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  // Garbage, then an idle hand-over without its socket, then a good one.
  ASSERT_EQ(send(fds_[1], "garbage!garbage!", 16, 0), 16);
  ASSERT_TRUE(send_handover(fds_[1], HandoverKind::kIdle, 0, -1, nullptr, 0));
  ASSERT_TRUE(send_handover(fds_[1], HandoverKind::kIdle, 0, pair[0], nullptr, 0));
  close(pair[0]);
  ReceivedHandover h;
  ASSERT_EQ(receive_handover(fds_[0], &h), 1);
  EXPECT_EQ(h.kind, HandoverKind::kIdle);
  ASSERT_GE(h.socket, 0);
  close(h.socket);
  // Every copy is closed now: the peer sees the end.
  char buf[1];
  EXPECT_EQ(read(pair[1], buf, 1), 0);
  close(pair[1]);
}

TEST_F(HandoverChannel, APeerGoneIsReported) {
  close(fds_[1]);
  fds_[1] = socket(AF_UNIX, SOCK_STREAM, 0);  // for TearDown
  ReceivedHandover h;
  EXPECT_EQ(receive_handover(fds_[0], &h), -1);
}

}  // namespace
}  // namespace hearth
