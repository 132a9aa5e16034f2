// A server WebSocketSession (worker/websocket/session.h) fed a client's
// bytes after the handshake, without a socket, as
// tests/unit/websocket_session_test.cc drives it. Input: one byte of
// settings (message and send-buffer limits, echo or not), then the client's
// byte stream. The app echoes; a message "close" makes it close with 4000,
// "throw" makes it throw.
// The stream is fed in one read, then one byte per read, in chunks from the
// input and in two pieces; the output bytes, the messages and the close
// code must be the same every time. Checks on the output: server frames are
// unmasked, have no reserved bits or opcodes, control payloads <= 125, a
// close frame carries a code an endpoint may send and is the last frame;
// received text messages are valid UTF-8 and no message exceeds the limit;
// on_close runs exactly once, after on_open, with a code a client may send
// (or 1005, 1006).
#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "worker/websocket/session.h"

namespace hearth {
namespace {

struct Settings {
  WebSocketLimits limits;
  bool echo = true;
};

Settings settings_from(uint8_t b) {
  static constexpr size_t kMessage[] = {64, 1000, 70000, 1 << 20};
  static constexpr size_t kSendBuffer[] = {256, 4 << 20};
  Settings s;
  s.limits.max_message_bytes = kMessage[b & 3];
  s.limits.send_buffer_bytes = kSendBuffer[(b >> 2) & 1];
  s.echo = (b & 8) == 0;
  return s;
}

struct Outcome {
  std::string output;  // every byte after the 101 response
  std::vector<std::pair<std::string, bool>> messages;
  int opens = 0;
  int closes = 0;
  uint16_t close_code = 0;
  bool wants_close_before_eof = false;

  bool operator==(const Outcome& o) const {
    return output == o.output && messages == o.messages && opens == o.opens && closes == o.closes &&
           close_code == o.close_code && wants_close_before_eof == o.wants_close_before_eof;
  }
};

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 4;
    if (extra == 4 || s.size() - i <= extra) return false;
    uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
    for (size_t k = 1; k <= extra; k++) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

bool sendable_close_code(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

// The server frames in the output, checked one by one.
void check_output(std::string_view s) {
  size_t p = 0;
  bool closed = false;
  while (s.size() - p >= 2) {
    FUZZ_CHECK(!closed);  // nothing after a close frame
    auto b0 = static_cast<uint8_t>(s[p]), b1 = static_cast<uint8_t>(s[p + 1]);
    FUZZ_CHECK((b1 & 0x80) == 0);  // a server never masks
    FUZZ_CHECK((b0 & 0x70) == 0);  // no extension: no reserved bit
    uint8_t op = b0 & 0x0f;
    FUZZ_CHECK(op == 0 || op == 1 || op == 2 || op == 8 || op == 9 || op == 10);
    uint64_t n = b1 & 0x7f;
    size_t h = 2;
    if (n >= 126) {
      h = n == 126 ? 4 : 10;
      FUZZ_CHECK(s.size() - p >= h);
      n = 0;
      for (size_t i = 2; i < h; i++) n = (n << 8) | static_cast<uint8_t>(s[p + i]);
      FUZZ_CHECK(h == 4 ? n >= 126 : n >= 65536);  // we encode minimally too
    }
    FUZZ_CHECK(s.size() - p - h >= n);  // output holds whole frames only
    if (op >= 8) {
      FUZZ_CHECK(n <= 125 && (b0 & 0x80));
    }
    if (op == 8) {
      FUZZ_CHECK(n != 1);
      if (n >= 2) {
        auto code = static_cast<uint16_t>((static_cast<uint8_t>(s[p + h]) << 8) | static_cast<uint8_t>(s[p + h + 1]));
        FUZZ_CHECK(sendable_close_code(code));
      }
      closed = true;
    }
    p += h + n;
  }
  FUZZ_CHECK(p == s.size());
}

Outcome run(const Settings& settings, std::string_view stream, fuzz::Split split) {
  Outcome o;
  bool handshake_done = false;
  WebSocketRoute route;
  route.on_open = [&](WebSocket&) { o.opens++; };
  route.on_message = [&](WebSocket& ws, std::string_view data, bool binary) {
    FUZZ_CHECK(o.opens == 1 && o.closes == 0);
    FUZZ_CHECK(data.size() <= settings.limits.max_message_bytes);
    if (!binary) FUZZ_CHECK(valid_utf8(data));
    o.messages.emplace_back(std::string(data), binary);
    if (data == "close") ws.close(4000, "asked to");
    if (data == "throw") throw std::runtime_error("asked to");
    if (settings.echo) ws.send(data, binary);
  };
  route.on_close = [&](WebSocket&, uint16_t code, std::string_view) {
    FUZZ_CHECK(o.opens == 1);
    FUZZ_CHECK(sendable_close_code(code) || code == ws_close::kNoStatus || code == ws_close::kAbnormal);
    o.closes++;
    o.close_code = code;
  };
  auto output = [&](std::string_view bytes) {
    if (handshake_done) {
      o.output.append(bytes);
      return;
    }
    std::string_view head(bytes);
    FUZZ_CHECK(head.rfind("HTTP/1.1 101", 0) == 0);
    handshake_done = true;
  };
  auto session = std::make_unique<WebSocketSession>(&route, settings.limits, "/fuzz", "127.0.0.1", output);
  session->start("dGhlIHNhbXBsZSBub25jZQ==");
  FUZZ_CHECK(handshake_done && session->is_open());
  for (std::string_view c : fuzz::chunks(stream, split)) {
    if (session->wants_close()) break;
    session->feed(c.data(), c.size());
  }
  o.wants_close_before_eof = session->wants_close();
  session->eof();
  FUZZ_CHECK(session->wants_close());
  FUZZ_CHECK(o.closes == 1);
  FUZZ_CHECK(session->close_code() == o.close_code);
  session.reset();
  FUZZ_CHECK(o.closes == 1);  // destruction does not report it again
  return o;
}

std::string describe(const Outcome& o) {
  std::string s = std::to_string(o.output.size()) + " output bytes:";
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < o.output.size() && i < 64; i++) {
    auto c = static_cast<uint8_t>(o.output[i]);
    s += ' ';
    s += kHex[c >> 4];
    s += kHex[c & 15];
  }
  s += "; " + std::to_string(o.messages.size()) + " messages, " + std::to_string(o.closes) + " closes, code " +
       std::to_string(o.close_code) + ", wants_close before eof " + std::to_string(o.wants_close_before_eof);
  return s;
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // "on_message threw" on every "throw" input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  if (size == 0) return 0;
  Settings settings = settings_from(data[0]);
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome whole = run(settings, stream, fuzz::Split::kWhole);
  check_output(whole.output);
  for (fuzz::Split split : fuzz::kSplits) {
    Outcome cut = run(settings, stream, split);
    if (!(cut == whole)) {
      std::fprintf(stderr, "websocket session behaved differently when the stream was cut (split %d):\nwhole: %s\ncut:   %s\n",
                   static_cast<int>(split), describe(whole).c_str(), describe(cut).c_str());
      __builtin_trap();
    }
  }
  return 0;
}
