// Drives a WebSocketSession with raw client frames and reads the raw server
// frames it writes, as the socket would see them.
#include "worker/websocket/session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "worker/websocket/send_budget.h"

namespace hearth {
namespace {

enum Opcode : uint8_t { kCont = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

// A client frame: masked unless told otherwise, `rsv` in bits 4-6 of byte 0.
std::string client_frame(uint8_t opcode, std::string_view payload, bool fin = true,
                         bool masked = true, uint8_t rsv = 0) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | (rsv << 4) | opcode));
  uint8_t mask_bit = masked ? 0x80 : 0;
  uint64_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if (n < 65536) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; i--) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < n; i++) {
    f.push_back(static_cast<char>(masked ? payload[i] ^ key[i % 4] : payload[i]));
  }
  return f;
}

// A masked client frame whose length field is `length_bytes` long (0: the
// 7-bit field, 2 or 8: extended) and says `declared`, whatever the payload.
std::string frame_with_length(uint8_t opcode, std::string_view payload, int length_bytes,
                              uint64_t declared, bool fin = true) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  uint8_t code = length_bytes == 0 ? static_cast<uint8_t>(declared) : length_bytes == 2 ? 126 : 127;
  f.push_back(static_cast<char>(0x80 | code));
  for (int i = length_bytes - 1; i >= 0; i--) f.push_back(static_cast<char>((declared >> (8 * i)) & 0xff));
  const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < payload.size(); i++) f.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return f;
}

std::string close_payload(uint16_t code, std::string_view reason = {}) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xff));
  p.append(reason);
  return p;
}

struct Frame {
  bool fin = false;
  bool masked = false;
  uint8_t rsv = 0;
  uint8_t opcode = 0;
  size_t header_bytes = 0;
  std::string payload;
  uint16_t close_code() const {
    return payload.size() >= 2 ? static_cast<uint16_t>((uint8_t(payload[0]) << 8) | uint8_t(payload[1])) : 0;
  }
};

// Parses the server frames in `s`; stops at an incomplete one.
std::vector<Frame> parse_frames(std::string_view s) {
  std::vector<Frame> frames;
  size_t p = 0;
  while (s.size() - p >= 2) {
    Frame f;
    uint8_t b0 = s[p], b1 = s[p + 1];
    f.fin = b0 & 0x80;
    f.rsv = (b0 >> 4) & 7;
    f.opcode = b0 & 0x0f;
    f.masked = b1 & 0x80;
    uint64_t n = b1 & 0x7f;
    size_t h = 2;
    if (n == 126) {
      if (s.size() - p < 4) break;
      n = (uint64_t(uint8_t(s[p + 2])) << 8) | uint8_t(s[p + 3]);
      h = 4;
    } else if (n == 127) {
      if (s.size() - p < 10) break;
      n = 0;
      for (int i = 0; i < 8; i++) n = (n << 8) | uint8_t(s[p + 2 + i]);
      h = 10;
    }
    if (s.size() - p < h + n) break;
    f.header_bytes = h;
    f.payload = std::string(s.substr(p + h, n));
    frames.push_back(std::move(f));
    p += h + n;
  }
  return frames;
}

class WebSocketSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    route_.on_open = [this](WebSocket& ws) { opens_++; opened_id_ = ws.id(); };
    route_.on_message = [this](WebSocket& ws, std::string_view data, bool binary) {
      messages_.emplace_back(std::string(data), binary);
      if (echo_) ws.send(data, binary);
    };
    route_.on_close = [this](WebSocket&, uint16_t code, std::string_view reason) {
      closes_.emplace_back(code, std::string(reason));
    };
  }

  // The session reports on_close into the members below: end it first.
  void TearDown() override { session_.reset(); }

  // Opens a session and checks the 101; output_ then holds only frames.
  void open(WebSocketLimits limits = {}) {
    session_ = std::make_unique<WebSocketSession>(
        &route_, limits, "/socket", "127.0.0.1",
        [this](std::string_view bytes) {
          output_ += bytes;
          output_calls_++;
        }, [this] { ends_++; });
    session_->start("dGhlIHNhbXBsZSBub25jZQ==");
    size_t end = output_.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos) << output_;
    handshake_ = output_.substr(0, end + 4);
    output_.erase(0, end + 4);
    session_->written(handshake_.size());
    ASSERT_EQ(handshake_.rfind("HTTP/1.1 101", 0), 0u) << handshake_;
    ASSERT_TRUE(session_->is_open());
  }

  void feed(const std::string& bytes) { session_->feed(bytes.data(), bytes.size()); }

  // The frames written since the last call.
  std::vector<Frame> take_frames() {
    std::vector<Frame> f = parse_frames(output_);
    output_.clear();
    return f;
  }

  // Feeds `bytes` and expects the session to answer with one close frame
  // carrying `code`, then to want the TCP connection closed.
  void expect_failed_with(const std::string& bytes, uint16_t code) {
    feed(bytes);
    std::vector<Frame> frames = take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].opcode, kClose);
    EXPECT_EQ(frames[0].close_code(), code);
    EXPECT_TRUE(session_->wants_close());
    EXPECT_EQ(ends_, 1);
    ASSERT_EQ(closes_.size(), 1u);
    EXPECT_EQ(closes_[0].first, code);
    EXPECT_TRUE(messages_.empty());
  }

  WebSocketRoute route_;
  std::unique_ptr<WebSocketSession> session_;
  std::string output_;
  std::string handshake_;
  bool echo_ = true;
  int opens_ = 0;
  int ends_ = 0;
  int output_calls_ = 0;
  uint64_t opened_id_ = 0;
  std::vector<std::pair<std::string, bool>> messages_;
  std::vector<std::pair<uint16_t, std::string>> closes_;
};

TEST_F(WebSocketSessionTest, HandshakeAnswers101WithTheRfcAcceptValue) {
  open();
  EXPECT_NE(handshake_.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos)
      << handshake_;
  EXPECT_NE(handshake_.find("Upgrade: websocket"), std::string::npos);
  EXPECT_EQ(handshake_.find("Sec-WebSocket-Extensions"), std::string::npos);
  EXPECT_EQ(opens_, 1);
  EXPECT_EQ(opened_id_, session_->id());
  EXPECT_TRUE(output_.empty());
  EXPECT_FALSE(session_->wants_close());
}

TEST_F(WebSocketSessionTest, EchoesTextAndBinaryAtFrameLengthBoundaries) {
  open();
  for (size_t n : {size_t(0), size_t(125), size_t(126), size_t(65535), size_t(65536), size_t(1) << 20}) {
    for (bool binary : {false, true}) {
      std::string payload(n, 'a');
      for (size_t i = 0; i < n; i++) payload[i] = static_cast<char>('a' + i % 26);
      feed(client_frame(binary ? kBinary : kText, payload));
      std::vector<Frame> frames = take_frames();
      ASSERT_EQ(frames.size(), 1u) << n;
      EXPECT_EQ(frames[0].opcode, binary ? kBinary : kText);
      EXPECT_TRUE(frames[0].fin);
      EXPECT_FALSE(frames[0].masked);
      EXPECT_EQ(frames[0].header_bytes, n < 126 ? 2u : n < 65536 ? 4u : 10u);
      EXPECT_EQ(frames[0].payload, payload) << n;
      session_->written(frames[0].header_bytes + n);
    }
  }
  EXPECT_EQ(messages_.size(), 12u);
  EXPECT_EQ(session_->buffered_bytes(), 0u);
  EXPECT_FALSE(session_->wants_close());
}

TEST_F(WebSocketSessionTest, AnswersToOneReadGoOutInOneWrite) {
  open();
  output_calls_ = 0;
  feed(client_frame(kText, "one") + client_frame(kPing, "p") + client_frame(kBinary, "two"));
  EXPECT_EQ(output_calls_, 1);
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].payload, "one");
  EXPECT_EQ(frames[1].opcode, kPong);
  EXPECT_EQ(frames[2].payload, "two");
  EXPECT_EQ(session_->buffered_bytes(), 5u + 3u + 5u);
  // Outside a read, each send is written at once.
  EXPECT_TRUE(session_->send("a"));
  EXPECT_TRUE(session_->send("b"));
  EXPECT_EQ(output_calls_, 3);
}

TEST_F(WebSocketSessionTest, SendRefusesTextThatIsNotUtf8) {
  open();
  std::string accented = "caf\xC3\xA9 \xF0\x9F\x94\xA5 and some ASCII after it";
  EXPECT_TRUE(session_->send(accented));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, kText);
  EXPECT_EQ(frames[0].payload, accented);
  for (std::string bad : {std::string("truncated \xC3"), std::string(20, 'a') + "\xC0\xAF overlong",
                          std::string("\xED\xA0\x80 surrogate"), std::string(9, 'b') + "\xFF"}) {
    EXPECT_FALSE(session_->send(bad)) << bad;
  }
  EXPECT_TRUE(output_.empty());
  EXPECT_TRUE(session_->is_open());
  EXPECT_TRUE(session_->send("\xFF\xFE binary may be anything", true));
  frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, kBinary);
}

TEST_F(WebSocketSessionTest, MessageFedOneByteAtATime) {
  open();
  std::string bytes = client_frame(kText, "hello") + client_frame(kBinary, std::string(300, 'x'));
  for (char c : bytes) session_->feed(&c, 1);
  ASSERT_EQ(messages_.size(), 2u);
  EXPECT_EQ(messages_[0], std::make_pair(std::string("hello"), false));
  EXPECT_EQ(messages_[1], std::make_pair(std::string(300, 'x'), true));
}

TEST_F(WebSocketSessionTest, ReassemblesFragmentedMessageWithPingBetweenFragments) {
  open();
  feed(client_frame(kText, "Hel", false) + client_frame(kPing, "p1") +
       client_frame(kCont, "lo, ", false) + client_frame(kCont, "world"));
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].first, "Hello, world");
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].opcode, kPong);
  EXPECT_EQ(frames[0].payload, "p1");
  EXPECT_EQ(frames[1].payload, "Hello, world");
}

TEST_F(WebSocketSessionTest, PingGetsPongWithSamePayload) {
  open();
  feed(client_frame(kPing, std::string(125, 'p')));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, kPong);
  EXPECT_EQ(frames[0].payload, std::string(125, 'p'));
  feed(client_frame(kPong, "unsolicited"));  // allowed, ignored
  EXPECT_TRUE(take_frames().empty());
  EXPECT_TRUE(session_->is_open());
}

TEST_F(WebSocketSessionTest, ServerPingIsSent) {
  open();
  EXPECT_TRUE(session_->ping("keepalive"));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, kPing);
  EXPECT_EQ(frames[0].payload, "keepalive");
  EXPECT_FALSE(session_->ping(std::string(126, 'x')));
}

TEST_F(WebSocketSessionTest, ClientCloseIsEchoedAndEndsTheSession) {
  open();
  feed(client_frame(kClose, close_payload(1000, "bye")));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, kClose);
  EXPECT_EQ(frames[0].close_code(), 1000);
  EXPECT_TRUE(session_->wants_close());
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0], std::make_pair(uint16_t(1000), std::string("bye")));
  EXPECT_FALSE(session_->send("late"));
  EXPECT_TRUE(output_.empty());
}

TEST_F(WebSocketSessionTest, ClientCloseWithoutCodeIsAnsweredWithNormal) {
  open();
  feed(client_frame(kClose, ""));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code(), 1000);
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].first, ws_close::kNoStatus);
}

TEST_F(WebSocketSessionTest, ServerCloseWaitsForTheClientsAck) {
  open();
  EXPECT_TRUE(session_->close(ws_close::kGoingAway, "server stopping"));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code(), 1001);
  EXPECT_EQ(frames[0].payload.substr(2), "server stopping");
  EXPECT_TRUE(session_->closing());
  EXPECT_FALSE(session_->wants_close());
  EXPECT_FALSE(session_->close());  // already closing
  feed(client_frame(kText, "in flight"));  // ignored while closing
  EXPECT_TRUE(messages_.empty());
  feed(client_frame(kClose, close_payload(1001)));
  EXPECT_TRUE(session_->wants_close());
  EXPECT_TRUE(take_frames().empty());
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].first, 1001);
}

TEST_F(WebSocketSessionTest, ReservedCloseCodesCannotBeSent) {
  open();
  EXPECT_FALSE(session_->close(1005));
  EXPECT_FALSE(session_->close(1006));
  EXPECT_FALSE(session_->close(999));
  EXPECT_TRUE(session_->is_open());
  EXPECT_TRUE(session_->close(4000, std::string(200, 'r')));  // reason truncated to fit
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload.size(), 125u);
}

TEST_F(WebSocketSessionTest, UnmaskedClientFrameFails1002) {
  open();
  expect_failed_with(client_frame(kText, "hi", true, false), 1002);
}

TEST_F(WebSocketSessionTest, ReservedBitsFail1002) {
  for (uint8_t rsv : {1, 2, 4}) {
    closes_.clear();
    ends_ = 0;
    open();
    expect_failed_with(client_frame(kText, "hi", true, true, rsv), 1002);
  }
}

TEST_F(WebSocketSessionTest, ReservedOpcodeFails1002) {
  open();
  expect_failed_with(client_frame(3, "hi"), 1002);
}

TEST_F(WebSocketSessionTest, ControlFrameOver125BytesFails1002) {
  open();
  expect_failed_with(client_frame(kPing, std::string(126, 'p')), 1002);
}

TEST_F(WebSocketSessionTest, FragmentedControlFrameFails1002) {
  open();
  expect_failed_with(client_frame(kPing, "p", false), 1002);
}

TEST_F(WebSocketSessionTest, ContinuationWithoutStartFails1002) {
  open();
  expect_failed_with(client_frame(kCont, "orphan"), 1002);
}

TEST_F(WebSocketSessionTest, NewMessageInsideFragmentedOneFails1002) {
  open();
  expect_failed_with(client_frame(kText, "first", false) + client_frame(kText, "second"), 1002);
}

TEST_F(WebSocketSessionTest, InvalidUtf8TextFails1007) {
  open();
  expect_failed_with(client_frame(kText, "ok \xff\xfe"), 1007);
}

TEST_F(WebSocketSessionTest, Utf8SplitAcrossFragmentsIsValid) {
  open();
  // U+20AC (E2 82 AC) split between two fragments.
  feed(client_frame(kText, "\xe2\x82", false) + client_frame(kCont, "\xac"));
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].first, "\xe2\x82\xac");
}

TEST_F(WebSocketSessionTest, TruncatedUtf8AtMessageEndFails1007) {
  open();
  expect_failed_with(client_frame(kText, "\xe2\x82", false) + client_frame(kCont, "x"), 1007);
}

// websocketpp alone delivers this one: it checks the end of a message only
// when the last frame has the text opcode, not a continuation's.
TEST_F(WebSocketSessionTest, FragmentedTextEndingMidCharacterFails1007) {
  for (std::string tail : {"\xe2", "\xe2\x82", "\xf0\x9f\x94", "\xc3"}) {
    closes_.clear();
    ends_ = 0;
    open();
    expect_failed_with(client_frame(kText, "ok ", false) + client_frame(kCont, "x" + tail), 1007);
  }
  closes_.clear();
  ends_ = 0;
  open();  // complete characters at the end are fine
  feed(client_frame(kText, "\xe2", false) + client_frame(kCont, "\x82\xac \xf0\x9f\x94\xa5"));
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].first, "\xe2\x82\xac \xf0\x9f\x94\xa5");
  EXPECT_TRUE(session_->is_open());
}

TEST_F(WebSocketSessionTest, InvalidCloseCodeFails1002) {
  open();
  feed(client_frame(kClose, close_payload(1005)));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code(), 1002);
  EXPECT_TRUE(session_->wants_close());
}

// websocketpp records the invalid code as the client's; the app hears 1002.
TEST_F(WebSocketSessionTest, InvalidCloseCodeIsReportedAs1002) {
  for (uint16_t bad : {uint16_t(0), uint16_t(999), uint16_t(1006), uint16_t(5000)}) {
    closes_.clear();
    ends_ = 0;
    open();
    expect_failed_with(client_frame(kClose, close_payload(bad)), 1002);
  }
}

// websocketpp would acknowledge with a second close frame; one is all we send.
TEST_F(WebSocketSessionTest, InvalidCloseAnswerToOurCloseGetsNoSecondCloseFrame) {
  open();
  ASSERT_TRUE(session_->close(4000, "bye"));
  ASSERT_EQ(take_frames().size(), 1u);
  feed(client_frame(kClose, close_payload(0)));
  EXPECT_TRUE(take_frames().empty());
  EXPECT_TRUE(session_->wants_close());
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].first, 1002);
}

TEST_F(WebSocketSessionTest, OneByteClosePayloadFails1002) {
  open();
  feed(client_frame(kClose, "x"));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code(), 1002);
}

TEST_F(WebSocketSessionTest, OversizeMessageFails1009) {
  WebSocketLimits limits;
  limits.max_message_bytes = 1000;
  open(limits);
  feed(client_frame(kBinary, std::string(1000, 'x')));  // exactly the limit: fine
  ASSERT_EQ(messages_.size(), 1u);
  take_frames();
  messages_.clear();
  expect_failed_with(client_frame(kBinary, std::string(1001, 'x')), 1009);
}

TEST_F(WebSocketSessionTest, OversizeFragmentedMessageFails1009) {
  WebSocketLimits limits;
  limits.max_message_bytes = 1000;
  open(limits);
  expect_failed_with(client_frame(kText, std::string(600, 'x'), false) +
                         client_frame(kCont, std::string(600, 'x')),
                     1009);
}

TEST_F(WebSocketSessionTest, DefaultLimitIsOneMiB) {
  open();
  // Only the header is needed: the limit is checked before the payload arrives.
  std::string header = client_frame(kBinary, std::string((1 << 20) + 1, 'x')).substr(0, 14);
  expect_failed_with(header, 1009);
}

TEST_F(WebSocketSessionTest, BytesAfterAProtocolErrorAreDropped) {
  open();
  feed(client_frame(kText, "hi", true, false) + client_frame(kText, "never seen"));
  EXPECT_TRUE(messages_.empty());
  EXPECT_TRUE(session_->wants_close());
  EXPECT_EQ(take_frames().size(), 1u);
}

TEST_F(WebSocketSessionTest, FullSendBufferCloses1008) {
  WebSocketLimits limits;
  limits.send_buffer_bytes = 1000;
  open(limits);
  echo_ = false;
  EXPECT_TRUE(session_->send(std::string(600, 'a')));
  EXPECT_EQ(session_->buffered_bytes(), 604u);
  EXPECT_FALSE(session_->send(std::string(600, 'b')));  // would pass the limit
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].payload, std::string(600, 'a'));
  EXPECT_EQ(frames[1].opcode, kClose);
  EXPECT_EQ(frames[1].close_code(), 1008);
  EXPECT_TRUE(session_->wants_close());
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].first, 1008);
}

TEST_F(WebSocketSessionTest, WrittenBytesFreeTheSendBuffer) {
  WebSocketLimits limits;
  limits.send_buffer_bytes = 1000;
  open(limits);
  for (int i = 0; i < 10; i++) {
    ASSERT_TRUE(session_->send(std::string(600, 'a'))) << i;
    session_->written(604);
  }
  EXPECT_EQ(session_->buffered_bytes(), 0u);
  EXPECT_TRUE(session_->is_open());
}

TEST_F(WebSocketSessionTest, PingFloodFromAClientThatDoesNotReadCloses1008) {
  WebSocketLimits limits;
  limits.send_buffer_bytes = 1000;
  open(limits);
  std::string pings;
  for (int i = 0; i < 20; i++) pings += client_frame(kPing, std::string(100, 'p'));
  feed(pings);
  std::vector<Frame> frames = take_frames();
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().close_code(), 1008);
  EXPECT_LE(session_->buffered_bytes(), 1000u + 127u);
  EXPECT_TRUE(session_->wants_close());
}

TEST_F(WebSocketSessionTest, InvalidUtf8CannotBeSentAsText) {
  open();
  EXPECT_FALSE(session_->send("\xff", false));
  EXPECT_TRUE(session_->send("\xff", true));
}

TEST_F(WebSocketSessionTest, AppExceptionCloses1011) {
  route_.on_message = [](WebSocket&, std::string_view, bool) { throw std::runtime_error("boom"); };
  open();
  feed(client_frame(kText, "hi"));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code(), 1011);
}

TEST_F(WebSocketSessionTest, AppCanCloseFromOnMessage) {
  route_.on_message = [](WebSocket& ws, std::string_view, bool) { ws.close(4001, "done"); };
  open();
  feed(client_frame(kText, "hi") + client_frame(kClose, close_payload(4001)));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].close_code(), 4001);
  EXPECT_TRUE(session_->wants_close());
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].first, 4001);
}

TEST_F(WebSocketSessionTest, EofReportsAbnormalCloseOnce) {
  open();
  session_->eof();
  EXPECT_TRUE(session_->wants_close());
  session_->eof();
  session_.reset();
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].first, ws_close::kAbnormal);
}

TEST_F(WebSocketSessionTest, AbortAndDestructionReportCloseOnce) {
  open();
  session_->abort();
  EXPECT_TRUE(session_->wants_close());
  EXPECT_FALSE(session_->send("x"));
  session_.reset();
  ASSERT_EQ(closes_.size(), 1u);
  EXPECT_EQ(closes_[0].first, ws_close::kAbnormal);

  open();
  session_.reset();
  ASSERT_EQ(closes_.size(), 2u);
}

TEST_F(WebSocketSessionTest, SessionsHaveDistinctIds) {
  open();
  uint64_t first = session_->id();
  open();
  EXPECT_NE(session_->id(), first);
}

// RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the
// length". websocketpp alone answers these with 1011 (or never, below).
TEST_F(WebSocketSessionTest, SixteenBitLengthUnder126Fails1002) {
  for (uint64_t n : {uint64_t(0), uint64_t(5), uint64_t(125)}) {
    closes_.clear();
    ends_ = 0;
    open();
    expect_failed_with(frame_with_length(kText, std::string(n, 'a'), 2, n), 1002);
  }
}

TEST_F(WebSocketSessionTest, SixtyFourBitLengthUnder65536Fails1002) {
  for (uint64_t n : {uint64_t(3), uint64_t(125), uint64_t(126), uint64_t(65535)}) {
    closes_.clear();
    ends_ = 0;
    open();
    expect_failed_with(frame_with_length(kBinary, std::string(n, 'b'), 8, n), 1002);
  }
}

TEST_F(WebSocketSessionTest, SixtyFourBitLengthWithTheTopBitSetFails1002) {
  open();
  expect_failed_with(frame_with_length(kBinary, "", 8, uint64_t(1) << 63), 1002);
}

// out.size() + length wraps in websocketpp's size check: without ours the
// session would read an endless continuation past max_message_bytes.
TEST_F(WebSocketSessionTest, ContinuationWithAWrappingLengthFails1002) {
  open();
  expect_failed_with(client_frame(kText, "abc", false) + frame_with_length(kCont, "", 8, UINT64_MAX), 1002);
}

TEST_F(WebSocketSessionTest, NonMinimalLengthSplitAcrossFeedsFails1002) {
  const std::string good = client_frame(kText, "ok");
  for (int length_bytes : {2, 8}) {
    std::string bad = frame_with_length(kText, "hi", length_bytes, 2);
    // Every cut inside the header's first 2 + length_bytes bytes.
    for (size_t cut = 1; cut < size_t(2 + length_bytes); cut++) {
      closes_.clear();
      messages_.clear();
      ends_ = 0;
      open();
      // A good message first, so the bad header starts mid-read.
      std::string bytes = good + bad;
      size_t split = good.size() + cut;
      session_->feed(bytes.data(), split);
      EXPECT_FALSE(session_->wants_close()) << cut;
      session_->feed(bytes.data() + split, bytes.size() - split);
      std::vector<Frame> frames = take_frames();
      ASSERT_EQ(frames.size(), 2u) << cut;
      EXPECT_EQ(frames[0].payload, "ok");
      EXPECT_EQ(frames[1].opcode, kClose);
      EXPECT_EQ(frames[1].close_code(), 1002) << cut;
      EXPECT_TRUE(session_->wants_close());
      ASSERT_EQ(closes_.size(), 1u);
      EXPECT_EQ(closes_[0].first, 1002);
      EXPECT_EQ(messages_.size(), 1u);
    }
  }
}

TEST_F(WebSocketSessionTest, FramesBeforeABadHeaderInTheSameReadAreAnsweredInOneWrite) {
  open();
  output_calls_ = 0;
  feed(client_frame(kText, "one") + client_frame(kPing, "p") + frame_with_length(kText, "x", 8, 1) +
       client_frame(kText, "never seen"));
  EXPECT_EQ(output_calls_, 1);
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].payload, "one");
  EXPECT_EQ(frames[1].opcode, kPong);
  EXPECT_EQ(frames[2].close_code(), 1002);
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_TRUE(session_->wants_close());
}

// Once we sent a close, a bad header ends the connection without another one.
TEST_F(WebSocketSessionTest, BadHeaderWhileClosingEndsTheSession) {
  open();
  ASSERT_TRUE(session_->close(ws_close::kGoingAway));
  take_frames();
  feed(frame_with_length(kText, "x", 2, 1));
  EXPECT_TRUE(take_frames().empty());
  EXPECT_TRUE(session_->wants_close());
  ASSERT_EQ(closes_.size(), 1u);
}

TEST_F(WebSocketSessionTest, MinimalLengthsStillWorkInAnySplit) {
  open();
  for (size_t n : {size_t(126), size_t(70000)}) {
    std::string payload(n, 'x');
    for (size_t i = 0; i < n; i++) payload[i] = static_cast<char>('a' + i % 26);
    std::string bytes = client_frame(kBinary, payload) + client_frame(kText, "after");
    // Chunks of 1, 3 and 7 bytes cut the header everywhere; 4096 cuts the payload.
    for (size_t chunk : {size_t(1), size_t(3), size_t(7), size_t(4096)}) {
      if (n > 1000 && chunk < 7) continue;  // 70000 one-byte feeds prove nothing more
      messages_.clear();
      for (size_t off = 0; off < bytes.size(); off += chunk) {
        session_->feed(bytes.data() + off, std::min(chunk, bytes.size() - off));
      }
      ASSERT_EQ(messages_.size(), 2u) << n << " " << chunk;
      EXPECT_EQ(messages_[0].first, payload);
      EXPECT_EQ(messages_[1].first, "after");
      std::vector<Frame> frames = take_frames();
      ASSERT_EQ(frames.size(), 2u);
      EXPECT_EQ(frames[0].payload, payload);
      for (const Frame& f : frames) session_->written(f.header_bytes + f.payload.size());
    }
  }
  EXPECT_TRUE(session_->is_open());
}

TEST(SendBudget, TracksPendingBytesAgainstTheLimit) {
  SendBudget b(100);
  EXPECT_TRUE(b.fits(100));
  b.queued(60);
  EXPECT_TRUE(b.fits(40));
  EXPECT_FALSE(b.fits(41));
  b.written(50);
  EXPECT_EQ(b.pending(), 10u);
  b.written(50);
  EXPECT_EQ(b.pending(), 0u);
  EXPECT_TRUE(b.fits(1000));  // one message always fits an empty buffer
  b.queued(1);
  EXPECT_FALSE(b.fits(100));
  EXPECT_FALSE(b.fits(SIZE_MAX));
}

TEST_F(WebSocketSessionTest, OneMessageLargerThanTheSendBufferGoesOutWhenItIsEmpty) {
  WebSocketLimits limits;
  limits.send_buffer_bytes = 1000;
  open(limits);
  EXPECT_TRUE(session_->send(std::string(5000, 'a')));
  EXPECT_FALSE(session_->send("b"));
  std::vector<Frame> frames = take_frames();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].close_code(), 1008);
}

}  // namespace
}  // namespace hearth
