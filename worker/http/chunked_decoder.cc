#include "worker/http/chunked_decoder.h"

#include "worker/http/http_chars.h"
#include "worker/http/http_syntax.h"

namespace hearth::http_syntax {

using namespace chars;  // NOLINT: the character classes are this file's vocabulary

namespace {
// A size line is a few hex digits; extensions are not ours to use, so a long
// line is only a way to keep the worker busy.
constexpr size_t kMaxChunkLineBytes = 4096;
}

void ChunkedDecoder::reset(size_t max_body, size_t max_trailer) {
  state_ = State::kSizeStart;
  chunk_size_ = remaining_ = body_bytes_ = 0;
  line_bytes_ = trailer_bytes_ = 0;
  max_body_ = max_body;
  max_trailer_ = max_trailer;
  status_ = 0;
}

size_t ChunkedDecoder::decode(const char* data, size_t len, std::string* body) {
  if (status_ != 0) return 0;
  size_t i = 0;
  while (i < len && state_ != State::kDone) {
    if (state_ == State::kData) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, len - i));
      body->append(data + i, take);
      i += take;
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::kDataCr;
      continue;
    }
    if (!step(static_cast<unsigned char>(data[i]))) return i;
    i++;
  }
  return i;
}

bool ChunkedDecoder::refuse(int status) {
  status_ = status;
  return false;
}

bool ChunkedDecoder::step(unsigned char c) {
  switch (state_) {
    case State::kDataCr:  // chunk data must end exactly where its size says
      return c == '\r' ? to(State::kDataLf) : refuse(400);
    case State::kDataLf:
      chunk_size_ = 0;
      line_bytes_ = 0;
      return c == '\n' ? to(State::kSizeStart) : refuse(400);
    case State::kTrailerStart:
    case State::kTrailerName:
    case State::kTrailerValue:
    case State::kTrailerLf:
    case State::kEndLf:
      if (++trailer_bytes_ > max_trailer_) return refuse(431);
      return step_trailer(c);
    default:
      if (++line_bytes_ > kMaxChunkLineBytes) return refuse(400);
      return step_size_line(c);
  }
}

bool ChunkedDecoder::step_size_line(unsigned char c) {
  switch (state_) {
    case State::kSizeStart:
    case State::kSize:
      if (has(c, kHex)) {
        if (chunk_size_ > (UINT64_MAX >> 4)) return refuse(400);  // overflow
        chunk_size_ = chunk_size_ << 4 | static_cast<uint64_t>(hex_value(c));
        return to(State::kSize);
      }
      if (state_ == State::kSizeStart) return refuse(400);
      if (c == '\r') return to(State::kSizeLf);
      if (c == ';') return to(State::kExtNameStart);
      if (is_ows(static_cast<char>(c))) return to(State::kExtBws);
      return refuse(400);
    case State::kSizeLf:
      return c == '\n' ? end_size_line() : refuse(400);
    default:
      return step_extension(c);
  }
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
bool ChunkedDecoder::step_extension(unsigned char c) {
  bool ows = is_ows(static_cast<char>(c));
  bool tchar = has(c, kTchar);
  switch (state_) {
    case State::kExtBws:  // whitespace may only lead to the next ';'
      if (ows) return true;
      if (c == ';') return to(State::kExtNameStart);
      return refuse(400);
    case State::kExtNameStart:
      if (ows) return true;
      if (tchar) return to(State::kExtName);
      return refuse(400);
    case State::kExtName:
    case State::kExtToken:
      if (tchar) return true;
      if (c == '\r') return to(State::kSizeLf);
      if (c == ';') return to(State::kExtNameStart);
      if (state_ == State::kExtName && c == '=') return to(State::kExtValueStart);
      if (ows) return to(state_ == State::kExtName ? State::kExtNameEnd : State::kExtBws);
      return refuse(400);
    case State::kExtNameEnd:
      if (ows) return true;
      if (c == '=') return to(State::kExtValueStart);
      if (c == ';') return to(State::kExtNameStart);
      return refuse(400);
    case State::kExtValueStart:
      if (ows) return true;
      if (c == '"') return to(State::kExtQuoted);
      if (tchar) return to(State::kExtToken);
      return refuse(400);
    case State::kExtQuoted:
      if (c == '"') return to(State::kExtQuotedEnd);
      if (c == '\\') return to(State::kExtQuotedPair);
      return has(c, kQdText) ? true : refuse(400);
    case State::kExtQuotedPair:  // HTAB, SP, VCHAR, obs-text
      return has(c, kFieldValue) ? to(State::kExtQuoted) : refuse(400);
    case State::kExtQuotedEnd:
      if (c == '\r') return to(State::kSizeLf);
      if (c == ';') return to(State::kExtNameStart);
      if (ows) return to(State::kExtBws);
      return refuse(400);
    default:
      return refuse(400);
  }
}

bool ChunkedDecoder::end_size_line() {
  if (chunk_size_ == 0) {
    return to(State::kTrailerStart);
  }
  // Refused before its data arrives, as a Content-Length over the limit is.
  if (chunk_size_ > max_body_ - body_bytes_) return refuse(413);
  body_bytes_ += chunk_size_;
  remaining_ = chunk_size_;
  return to(State::kData);
}

// trailer-section = *( field-line CRLF ) CRLF, with field-line = name ":" OWS value OWS.
bool ChunkedDecoder::step_trailer(unsigned char c) {
  switch (state_) {
    case State::kTrailerStart:
      if (c == '\r') return to(State::kEndLf);
      if (has(c, kTchar)) return to(State::kTrailerName);
      return refuse(400);  // obs-fold, a nameless field, a bare LF
    case State::kTrailerName:
      if (has(c, kTchar)) return true;
      if (c == ':') return to(State::kTrailerValue);
      return refuse(400);  // includes whitespace before the colon
    case State::kTrailerValue:
      if (c == '\r') return to(State::kTrailerLf);
      return has(c, kFieldValue) ? true : refuse(400);
    case State::kTrailerLf:
      return c == '\n' ? to(State::kTrailerStart) : refuse(400);
    case State::kEndLf:
      return c == '\n' ? to(State::kDone) : refuse(400);
    default:
      return refuse(400);
  }
}

}  // namespace hearth::http_syntax
