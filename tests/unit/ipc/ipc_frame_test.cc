#include "ipc/frame.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

std::string two_messages() {
  Counters c;
  c.requests_served = 0x0102030405060708ull;
  c.active_connections = 7;
  return encode_frame(MessageType::kReady) + encode_frame(MessageType::kHeartbeat, encode_counters(c));
}

void expect_two_messages(const std::vector<Message>& got) {
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, MessageType::kReady);
  EXPECT_TRUE(got[0].payload.empty());
  EXPECT_EQ(got[1].type, MessageType::kHeartbeat);
  Counters c;
  ASSERT_TRUE(decode_counters(got[1].payload, &c));
  EXPECT_EQ(c.requests_served, 0x0102030405060708ull);
  EXPECT_EQ(c.active_connections, 7u);
}

TEST(IpcFrame, EncodesLengthTypeAndPayload) {
  std::string f = encode_frame(MessageType::kStop, "ab");
  EXPECT_EQ(f, std::string("\0\0\0\3\4ab", 7));
}

TEST(IpcFrame, SeveralMessagesInOneRead) {
  FrameDecoder d;
  std::vector<Message> got;
  std::string error;
  std::string bytes = two_messages();
  ASSERT_TRUE(d.feed(bytes.data(), bytes.size(), &got, &error)) << error;
  expect_two_messages(got);
  EXPECT_EQ(d.pending_bytes(), 0u);
}

TEST(IpcFrame, ByteByByte) {
  FrameDecoder d;
  std::vector<Message> got;
  std::string error;
  std::string bytes = two_messages();
  for (size_t i = 0; i < bytes.size(); i++) {
    ASSERT_TRUE(d.feed(&bytes[i], 1, &got, &error)) << error;
    if (i + 1 < 5) {
      EXPECT_TRUE(got.empty());
    }
  }
  expect_two_messages(got);
}

TEST(IpcFrame, ChunksSplittingFramesAnywhere) {
  std::string bytes = two_messages() + two_messages();
  for (size_t cut = 1; cut < bytes.size(); cut++) {
    FrameDecoder d;
    std::vector<Message> got;
    std::string error;
    ASSERT_TRUE(d.feed(bytes.data(), cut, &got, &error));
    ASSERT_TRUE(d.feed(bytes.data() + cut, bytes.size() - cut, &got, &error));
    ASSERT_EQ(got.size(), 4u) << "cut at " << cut;
    EXPECT_EQ(got[3].type, MessageType::kHeartbeat);
  }
}

TEST(IpcFrame, KeepsOnlyThePartialFrame) {
  FrameDecoder d;
  std::vector<Message> got;
  std::string error;
  std::string bytes = encode_frame(MessageType::kReopen) + encode_frame(MessageType::kStop, "xyz");
  ASSERT_TRUE(d.feed(bytes.data(), bytes.size() - 2, &got, &error));
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(d.pending_bytes(), 4u + 4u - 2u);
}

TEST(IpcFrame, OversizedLengthFailsAtOnce) {
  FrameDecoder d;
  std::vector<Message> got;
  std::string error;
  // Only the length prefix has arrived: the decoder must not wait for 16 MB.
  std::string bytes("\x01\x00\x00\x00", 4);
  EXPECT_FALSE(d.feed(bytes.data(), bytes.size(), &got, &error));
  EXPECT_NE(error.find("bad frame length"), std::string::npos) << error;
  EXPECT_TRUE(d.failed());
  EXPECT_EQ(d.pending_bytes(), 0u);
}

TEST(IpcFrame, ZeroLengthFails) {
  FrameDecoder d;
  std::vector<Message> got;
  std::string error;
  std::string bytes("\0\0\0\0", 4);
  EXPECT_FALSE(d.feed(bytes.data(), bytes.size(), &got, &error));
  EXPECT_TRUE(got.empty());
}

TEST(IpcFrame, UnknownTypeFails) {
  FrameDecoder d;
  std::vector<Message> got;
  std::string error;
  std::string bytes("\0\0\0\1\x7f", 5);
  EXPECT_FALSE(d.feed(bytes.data(), bytes.size(), &got, &error));
  EXPECT_NE(error.find("unknown message type 127"), std::string::npos) << error;
}

TEST(IpcFrame, GarbageAfterGoodFramesKeepsTheGoodOnesAndStaysFailed) {
  FrameDecoder d;
  std::vector<Message> got;
  std::string error;
  std::string bytes = encode_frame(MessageType::kReady) + "GET / HTTP/1.1\r\n\r\n";
  EXPECT_FALSE(d.feed(bytes.data(), bytes.size(), &got, &error));
  EXPECT_EQ(got.size(), 1u);
  // Even a well-formed frame afterwards is refused: the framing is lost.
  std::string good = encode_frame(MessageType::kReady);
  error.clear();
  EXPECT_FALSE(d.feed(good.data(), good.size(), &got, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(got.size(), 1u);
}

TEST(IpcFrame, LargestFrameAccepted) {
  FrameDecoder d;
  std::vector<Message> got;
  std::string error;
  std::string bytes = encode_frame(MessageType::kHeartbeat, std::string(kMaxFrameBody - 1, 'x'));
  ASSERT_TRUE(d.feed(bytes.data(), bytes.size(), &got, &error)) << error;
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload.size(), kMaxFrameBody - 1);
}

TEST(IpcFrame, CountersPayloadMustHaveExactSize) {
  Counters c;
  EXPECT_FALSE(decode_counters("short", &c));
  EXPECT_FALSE(decode_counters(std::string(13, '\0'), &c));
  EXPECT_TRUE(decode_counters(std::string(12, '\0'), &c));
}

TEST(IpcFrame, StopCarriesItsDrainTimeout) {
  uint64_t ms = 0;
  ASSERT_TRUE(decode_stop_timeout(encode_stop_timeout(300000), 30000, &ms));
  EXPECT_EQ(ms, 300000u);
  ASSERT_TRUE(decode_stop_timeout("", 30000, &ms));  // no payload: the worker's own default
  EXPECT_EQ(ms, 30000u);
  EXPECT_FALSE(decode_stop_timeout("abc", 30000, &ms));
}

}  // namespace
}  // namespace hearth
