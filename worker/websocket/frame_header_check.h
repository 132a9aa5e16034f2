// Checks the payload length of every frame a client sends, before
// websocketpp sees it. RFC 6455 §5.2: the length must use the fewest bytes
// (a 16-bit length is at least 126, a 64-bit one at least 65536) and a
// 64-bit length has its top bit clear. websocketpp 0.8.2 detects the first
// two but closes with 1011 instead of 1002 (its to_ws() has no case for
// non_minimal_encoding), and never checks the top bit: in a continuation
// frame such a length wraps its size check (out.size() + length) and lets a
// message grow past max_message_bytes. So we find frame boundaries here,
// reading only headers and skipping payloads, and fail the connection with
// 1002 ourselves.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth {

class FrameHeaderCheck {
 public:
  // Scans the next `n` bytes of the client's frame stream. Returns how many
  // of them may go to websocketpp: all `n`, or, at the first bad header, the
  // bytes up to the end of its first two (0 when websocketpp has those
  // already). websocketpp checks those two bytes (mask, opcode, reserved
  // bits, fragmentation) before it reads a length, so its verdict on them
  // comes first however the stream was cut into reads; only when it finds
  // nothing wrong do we fail the connection. After a bad header failed()
  // stays true and scan() returns 0.
  size_t scan(const char* data, size_t n);
  bool failed() const { return failed_; }
  // What was wrong, for the close frame's reason ("" until failed()).
  const char* reason() const { return reason_; }

 private:
  uint64_t skip_ = 0;  // bytes of the current frame (mask key, payload) still to pass over
  uint8_t head_[10];   // the first two header bytes and the extended length
  uint8_t have_ = 0;   // bytes of head_ filled
  uint8_t need_ = 2;   // bytes of head_ this header has: 2, 4 or 10
  bool failed_ = false;
  const char* reason_ = "";
};

}  // namespace hearth
