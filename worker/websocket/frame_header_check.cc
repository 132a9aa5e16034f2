#include "worker/websocket/frame_header_check.h"

#include <algorithm>

namespace hearth {

namespace {

// Extended length bytes announced by the 7-bit length of header byte 1.
uint8_t extended_length_bytes(uint8_t b1) {
  uint8_t len7 = b1 & 0x7f;
  return len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
}

// The length field of a header is complete at `head` (`field` bytes: 2, 4
// or 10). Returns what is wrong with the length, or nullptr and the bytes
// of the frame after the field (mask key and payload) in *rest.
const char* length_error(const uint8_t* head, uint8_t field, uint64_t* rest) {
  uint64_t length = head[1] & 0x7f;
  if (field > 2) {
    length = 0;
    for (uint8_t i = 2; i < field; i++) length = (length << 8) | head[i];
    if (field == 4 && length < 126) return "16-bit payload length under 126";
    if (field == 10 && length < 65536) return "64-bit payload length under 65536";
    if (length >> 63) return "64-bit payload length with the top bit set";
  }
  *rest = length + ((head[1] & 0x80) ? 4 : 0);
  return nullptr;
}

}  // namespace

size_t FrameHeaderCheck::scan(const char* data, size_t n) {
  if (failed_) return 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data);
  size_t p = 0;
  while (p < n) {
    if (skip_ > 0) {  // mask key and payload: websocketpp checks those
      uint64_t k = std::min<uint64_t>(skip_, n - p);
      p += k;
      skip_ -= k;
      continue;
    }
    const char* error;
    size_t basic_end = 0;  // where this header's first two bytes end in `data`, if they are in it
    if (have_ == 0 && n - p >= sizeof head_) {
      // The hot path: the whole length field is in this read.
      auto field = static_cast<uint8_t>(2 + extended_length_bytes(bytes[p + 1]));
      error = length_error(bytes + p, field, &skip_);
      basic_end = p + 2;
      p += field;
    } else {
      while (p < n && have_ < need_) {
        head_[have_++] = bytes[p++];
        if (have_ == 2) {
          need_ = static_cast<uint8_t>(2 + extended_length_bytes(head_[1]));
          basic_end = p;
        }
      }
      if (have_ < need_) break;  // the header goes on in the next read
      error = length_error(head_, need_, &skip_);
      have_ = 0;
      need_ = 2;
    }
    if (error != nullptr) {
      failed_ = true;
      reason_ = error;
      return basic_end;
    }
  }
  return n;
}

}  // namespace hearth
