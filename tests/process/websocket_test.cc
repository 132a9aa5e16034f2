// WebSocket over real sockets against the real binary: handshake refusals,
// raw frames that client libraries refuse to send (protocol errors), limits,
// idle pings, the graceful-stop close, and scenarios run by a client library
// nobody here wrote (tests/process/websocket_client.py, python3-websockets).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/process/serve_fixture.h"
#include "tests/support/process_tools.h"

namespace hearth::test {
namespace {

using Clock = std::chrono::steady_clock;

enum Opcode : uint8_t { kCont = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

std::string client_frame(uint8_t opcode, const std::string& payload, bool fin = true, bool masked = true,
                         uint8_t rsv = 0) {
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
  const char key[4] = {0x0a, 0x1b, 0x2c, 0x3d};
  if (masked) f.append(key, 4);
  for (size_t i = 0; i < n; i++) f.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return f;
}

// A masked frame whose length field is `length_bytes` long (2 or 8) and says
// `declared`, whatever the payload: what a sloppy client library may send.
std::string frame_with_length(uint8_t opcode, const std::string& payload, int length_bytes, uint64_t declared) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  f.push_back(static_cast<char>(0x80 | (length_bytes == 2 ? 126 : 127)));
  for (int i = length_bytes - 1; i >= 0; i--) f.push_back(static_cast<char>((declared >> (8 * i)) & 0xff));
  const char key[4] = {0x0a, 0x1b, 0x2c, 0x3d};
  f.append(key, 4);
  for (size_t i = 0; i < payload.size(); i++) f.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return f;
}

std::string close_payload(uint16_t code) {
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
}

struct Frame {
  uint8_t opcode = 0;
  bool fin = false;
  std::string payload;
  uint16_t code() const {
    return payload.size() >= 2 ? static_cast<uint16_t>((uint8_t(payload[0]) << 8) | uint8_t(payload[1])) : 0;
  }
};

// A WebSocket client that speaks raw bytes, with a deadline on every wait.
class RawSocket {
 public:
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool connect(int port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }

  // Connects and completes the opening handshake on `path`.
  bool open(int port, const std::string& path = "/socket", int receive_buffer = 0) {
    if (!connect(port, receive_buffer)) return false;
    send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    std::string head = read_head(3000);
    return head.rfind("HTTP/1.1 101", 0) == 0 &&
           head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos;
  }

  // Sends everything within `timeout_ms`; false if the peer stops taking bytes.
  bool send(const std::string& bytes, int timeout_ms = 3000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN) return false;
      if (!wait(POLLOUT, deadline)) return false;
    }
    return true;
  }

  std::string read_head(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (buffer_.find("\r\n\r\n") == std::string::npos) {
      if (!fill(deadline)) return buffer_;
    }
    size_t end = buffer_.find("\r\n\r\n") + 4;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end);
    return head;
  }

  // Reads one server frame. False on timeout or when the connection ended.
  bool read_frame(Frame* f, int timeout_ms = 3000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (parse(f)) return true;
      if (!fill(deadline)) return false;
    }
  }

  // True when the server closes the TCP connection within `timeout_ms`
  // (frames still arriving are read and dropped).
  bool closed_by_server(int timeout_ms = 3000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (fill(deadline)) buffer_.clear();
    return eof_;
  }

  bool eof() const { return eof_; }

 private:
  bool wait(short events, Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left)) > 0;
  }

  bool fill(Clock::time_point deadline) {
    if (eof_ || !wait(POLLIN, deadline)) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  bool parse(Frame* f) {
    if (buffer_.size() < 2) return false;
    uint8_t b0 = buffer_[0], b1 = buffer_[1];
    uint64_t n = b1 & 0x7f;
    size_t h = 2;
    if (n == 126) {
      if (buffer_.size() < 4) return false;
      n = (uint64_t(uint8_t(buffer_[2])) << 8) | uint8_t(buffer_[3]);
      h = 4;
    } else if (n == 127) {
      if (buffer_.size() < 10) return false;
      n = 0;
      for (int i = 0; i < 8; i++) n = (n << 8) | uint8_t(buffer_[2 + i]);
      h = 10;
    }
    if (buffer_.size() < h + n) return false;
    f->opcode = b0 & 0x0f;
    f->fin = (b0 & 0x80) != 0;
    f->payload = buffer_.substr(h, n);
    buffer_.erase(0, h + n);
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

class WebSocketTest : public ServeTest {
 protected:
  void customize(nlohmann::json& config) override {
    config["websocket"] = {{"idle_timeout", 0.6}, {"send_buffer_bytes", 256 * 1024}};
  }

  // Sends `bytes` on a fresh socket and expects a close frame with `code`,
  // then the server closing TCP.
  void expect_close_code(const std::string& bytes, uint16_t code) {
    RawSocket s;
    ASSERT_TRUE(s.open(port_));
    ASSERT_TRUE(s.send(bytes));
    Frame f;
    ASSERT_TRUE(s.read_frame(&f));
    EXPECT_EQ(f.opcode, kClose);
    EXPECT_EQ(f.code(), code);
    EXPECT_TRUE(s.closed_by_server());
    expect_still_serving();
  }

  void expect_still_serving() {
    RawSocket s;
    ASSERT_TRUE(s.open(port_));
    ASSERT_TRUE(s.send(client_frame(kText, "still here")));
    Frame f;
    ASSERT_TRUE(s.read_frame(&f));
    EXPECT_EQ(f.payload, "still here");
  }
};

TEST_F(WebSocketTest, PlainGetOnAWebSocketRouteGets426) {
  HttpResponse r = get("/socket");
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.header("upgrade"), "websocket");
  EXPECT_EQ(r.header("sec-websocket-version"), "13");
}

TEST_F(WebSocketTest, BadHandshakesAreRefused) {
  std::vector<std::string> base = {"Upgrade: websocket", "Connection: Upgrade"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> h = base;
    h.insert(h.end(), extra.begin(), extra.end());
    return get("/socket", h);
  };
  HttpResponse wrong_version = with({"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 8"});
  EXPECT_EQ(wrong_version.status, 426);
  EXPECT_EQ(wrong_version.header("sec-websocket-version"), "13");
  HttpResponse no_key = with({"Sec-WebSocket-Version: 13"});
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(no_key.header("sec-websocket-version"), "13");
  HttpResponse bad_key = with({"Sec-WebSocket-Key: short", "Sec-WebSocket-Version: 13"});
  EXPECT_EQ(bad_key.status, 400);
  EXPECT_EQ(get("/json").status, 200);
}

TEST_F(WebSocketTest, UpgradeOnAPlainRouteIsAnsweredAsHttp) {
  RawSocket s;
  ASSERT_TRUE(s.connect(port_));
  ASSERT_TRUE(s.send("GET /json HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  EXPECT_EQ(s.read_head(3000).rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(WebSocketTest, FramesSentWithTheUpgradeRequestAreNotLost) {
  RawSocket s;
  ASSERT_TRUE(s.connect(port_));
  ASSERT_TRUE(s.send("GET /socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" +
                     client_frame(kText, "early")));
  EXPECT_EQ(s.read_head(3000).rfind("HTTP/1.1 101", 0), 0u);
  Frame f;
  ASSERT_TRUE(s.read_frame(&f));
  EXPECT_EQ(f.payload, "early");
}

TEST_F(WebSocketTest, ProtocolErrorsClose1002) {
  expect_close_code(client_frame(kText, "unmasked", true, false), 1002);
  expect_close_code(client_frame(kText, "rsv1", true, true, 4), 1002);
  expect_close_code(client_frame(kPing, std::string(126, 'p')), 1002);
  expect_close_code(client_frame(kCont, "orphan continuation"), 1002);
  expect_close_code(client_frame(kText, "first", false) + client_frame(kBinary, "second"), 1002);
  expect_close_code(client_frame(5, "reserved opcode"), 1002);
}

// RFC 6455 §5.2: a length must be minimally encoded, and a 64-bit one has
// its top bit clear.
TEST_F(WebSocketTest, NonMinimalPayloadLengthCloses1002) {
  expect_close_code(frame_with_length(kText, std::string(125, 'a'), 2, 125), 1002);
  expect_close_code(frame_with_length(kBinary, std::string(1000, 'b'), 8, 1000), 1002);
  expect_close_code(frame_with_length(kBinary, "", 8, uint64_t(1) << 63), 1002);
}

TEST_F(WebSocketTest, NonMinimalLengthSplitAcrossReadsCloses1002) {
  RawSocket s;
  ASSERT_TRUE(s.open(port_));
  std::string bad = frame_with_length(kText, "hi", 8, 2);
  ASSERT_TRUE(s.send(client_frame(kText, "first") + bad.substr(0, 5)));
  Frame f;
  ASSERT_TRUE(s.read_frame(&f));  // answered: the server has read the first part
  EXPECT_EQ(f.payload, "first");
  ASSERT_TRUE(s.send(bad.substr(5)));
  ASSERT_TRUE(s.read_frame(&f));
  EXPECT_EQ(f.opcode, kClose);
  EXPECT_EQ(f.code(), 1002);
  EXPECT_TRUE(s.closed_by_server());
}

TEST_F(WebSocketTest, MinimalLengthsOf126And70000BytesEcho) {
  RawSocket s;
  ASSERT_TRUE(s.open(port_));
  for (size_t n : {size_t(126), size_t(70000)}) {
    std::string payload(n, 'x');
    for (size_t i = 0; i < n; i++) payload[i] = static_cast<char>('a' + i % 26);
    ASSERT_TRUE(s.send(client_frame(kText, payload)));
    Frame f;
    ASSERT_TRUE(s.read_frame(&f));
    EXPECT_EQ(f.opcode, kText);
    EXPECT_EQ(f.payload, payload) << n;
  }
}

TEST_F(WebSocketTest, InvalidUtf8Closes1007) {
  expect_close_code(client_frame(kText, "bad \xc3\x28 utf-8"), 1007);
  // Cut short at the end of a fragmented message (websocketpp alone lets it through).
  expect_close_code(client_frame(kText, "caf", false) + client_frame(kCont, "\xc3"), 1007);
}

TEST_F(WebSocketTest, OversizeMessageCloses1009BeforeItsPayloadArrives) {
  // Only the header of a 1 MiB + 1 message: the limit is checked on it.
  expect_close_code(client_frame(kBinary, std::string((1 << 20) + 1, 'x')).substr(0, 14), 1009);
}

TEST_F(WebSocketTest, ClosingHandshakeIsCompleted) {
  RawSocket s;
  ASSERT_TRUE(s.open(port_));
  ASSERT_TRUE(s.send(client_frame(kClose, close_payload(1000) + "bye")));
  Frame f;
  ASSERT_TRUE(s.read_frame(&f));
  EXPECT_EQ(f.opcode, kClose);
  EXPECT_EQ(f.code(), 1000);
  EXPECT_TRUE(s.closed_by_server());
}

TEST_F(WebSocketTest, PingIsAnsweredWithPong) {
  RawSocket s;
  ASSERT_TRUE(s.open(port_));
  ASSERT_TRUE(s.send(client_frame(kPing, "raw ping")));
  Frame f;
  ASSERT_TRUE(s.read_frame(&f));
  EXPECT_EQ(f.opcode, kPong);
  EXPECT_EQ(f.payload, "raw ping");
}

TEST_F(WebSocketTest, SilentClientIsPingedThenDropped) {
  RawSocket s;
  ASSERT_TRUE(s.open(port_));
  auto start = Clock::now();
  Frame f;
  ASSERT_TRUE(s.read_frame(&f, 2000));
  EXPECT_EQ(f.opcode, kPing);
  EXPECT_TRUE(s.closed_by_server(3000));  // never answered: dropped after the idle timeout
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  EXPECT_GE(ms, 500);
  EXPECT_LT(ms, 2500);
}

TEST_F(WebSocketTest, ClientThatAnswersPingsStaysOpen) {
  RawSocket s;
  ASSERT_TRUE(s.open(port_));
  auto until = Clock::now() + std::chrono::milliseconds(1800);  // three idle timeouts
  int pings = 0;
  while (Clock::now() < until) {
    Frame f;
    if (!s.read_frame(&f, 200)) {
      ASSERT_FALSE(s.eof());
      continue;
    }
    ASSERT_EQ(f.opcode, kPing);
    pings++;
    ASSERT_TRUE(s.send(client_frame(kPong, f.payload)));
  }
  EXPECT_GE(pings, 2);
  ASSERT_TRUE(s.send(client_frame(kText, "alive")));
  Frame f;
  do {
    ASSERT_TRUE(s.read_frame(&f));
  } while (f.opcode == kPing);
  EXPECT_EQ(f.payload, "alive");
}

TEST_F(WebSocketTest, ClientThatStopsReadingIsClosedWith1008) {
  RawSocket s;
  ASSERT_TRUE(s.open(port_, "/socket", 4096));
  // Ask for far more echo (32 MiB) than the socket buffers and the 256 KiB
  // send buffer hold, without reading. The server keeps reading (and, once
  // it gave up on us, discarding) rather than buffering our echoes.
  std::string msg = client_frame(kBinary, std::string(32 * 1024, 'e'));
  for (int i = 0; i < 1024; i++) {
    if (!s.send(msg, 300)) break;
  }
  // Now read: the echoes that fit come first, then the close frame.
  Frame f;
  uint16_t close_code = 0;
  int echoes = 0;
  for (int i = 0; i < 2000 && s.read_frame(&f, 3000); i++) {
    if (f.opcode == kClose) {
      close_code = f.code();
      break;
    }
    echoes++;
  }
  EXPECT_EQ(close_code, 1008);
  EXPECT_LT(echoes, 1024);
  EXPECT_TRUE(s.closed_by_server());
  expect_still_serving();
}

TEST_F(WebSocketTest, GracefulStopSends1001) {
  RawSocket s;
  ASSERT_TRUE(s.open(port_));
  auto start = Clock::now();
  ::kill(server_->pid(), SIGTERM);
  Frame f;
  do {
    ASSERT_TRUE(s.read_frame(&f, 5000));
  } while (f.opcode == kPing);
  EXPECT_EQ(f.opcode, kClose);
  EXPECT_EQ(f.code(), 1001);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  EXPECT_LT(ms, 4000);
  ASSERT_TRUE(s.send(client_frame(kClose, close_payload(1001))));
  EXPECT_TRUE(s.closed_by_server());
  EXPECT_EQ(server_->stop(SIGTERM, 10000) != -1, true);
}

TEST_F(WebSocketTest, ClientLibraryEchoSizesFragmentsPingAndCloseCodes) {
  std::string out;
  EXPECT_EQ(run_websocket_client({"echo", std::to_string(port_)}, &out), 0) << out;
  EXPECT_NE(out.find("PASS echo"), std::string::npos) << out;
}

TEST_F(WebSocketTest, ClientLibraryHundredConcurrentConnections) {
  std::string out;
  EXPECT_EQ(run_websocket_client({"concurrent", std::to_string(port_), "100", "10"}, &out), 0) << out;
  EXPECT_NE(out.find("PASS concurrent"), std::string::npos) << out;
}

TEST_F(WebSocketTest, ClientLibraryChatWithinOneWorker) {
  std::string out;
  EXPECT_EQ(run_websocket_client({"chat", std::to_string(port_), "1"}, &out), 0) << out;
  EXPECT_NE(out.find("PASS chat"), std::string::npos) << out;
}

}  // namespace
}  // namespace hearth::test
