// The body of a chunked request, decoded as its bytes arrive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hearth::http_syntax {

// Decodes a chunked body strictly (RFC 9112 §7.1): hex size without
// overflow, extensions by their grammar and then ignored, CRLF after every
// line and after every chunk's data, and a trailer section that is checked
// and dropped. Trailer fields never reach the request: merging them into the
// header section would let a trailer "Range" or "Host" act as a header
// (RFC 9110 §6.5.1). 413 when the chunk sizes add up over `max_body` (decided
// at the size line, before the data), 431 when trailers exceed `max_trailer`,
// 400 for anything malformed.
class ChunkedDecoder {
 public:
  void reset(size_t max_body, size_t max_trailer);
  // Appends chunk data to *body. Returns the bytes used: all of them, or up to
  // the end of the body (complete()) or up to the refused byte (status()).
  size_t decode(const char* data, size_t len, std::string* body);
  bool complete() const { return state_ == State::kDone; }
  int status() const { return status_; }

 private:
  enum class State : uint8_t {
    kSizeStart, kSize, kExtBws, kExtNameStart, kExtName, kExtNameEnd, kExtValueStart, kExtToken,
    kExtQuoted, kExtQuotedPair, kExtQuotedEnd, kSizeLf, kData, kDataCr, kDataLf,
    kTrailerStart, kTrailerName, kTrailerValue, kTrailerLf, kEndLf, kDone,
  };
  bool step(unsigned char c);
  bool step_size_line(unsigned char c);
  bool step_extension(unsigned char c);
  bool step_trailer(unsigned char c);
  bool end_size_line();
  bool refuse(int status);
  bool to(State next) {
    state_ = next;
    return true;
  }

  State state_ = State::kSizeStart;
  uint64_t chunk_size_ = 0;
  uint64_t remaining_ = 0;  // data bytes left in the current chunk
  uint64_t body_bytes_ = 0;
  size_t line_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  size_t max_body_ = 0;
  size_t max_trailer_ = 0;
  int status_ = 0;
};

}  // namespace hearth::http_syntax
