// Accept-Encoding negotiation (RFC 9110 §12.5.3): which content coding a
// response should use, given what the client accepts and what the server can
// offer for this resource.
//
// Rules, in the order they are applied:
//   - An absent or malformed header means "identity". (RFC 9110 allows any
//     coding when the header is absent; like nginx, we do not gamble on it.)
//     Malformed: a coding that is not a token, a parameter other than q, a
//     q-value outside the RFC grammar ("q=2", "q=abc", "q=0.5555").
//   - Codings and "q" compare case-insensitively; spaces around ',' and ';'
//     are allowed; empty list elements (", ,gzip") are skipped.
//   - "x-gzip" is gzip. Codings we do not know are ignored.
//   - A coding not named takes the q of "*" when "*" is present; otherwise it
//     is not acceptable. q=0 means "not acceptable".
//   - identity is acceptable unless excluded by "identity;q=0", or by "*;q=0"
//     without identity named; unnamed, it ranks below every named coding.
//   - The highest q among the offered codings wins; ties go to the server's
//     order: br, then gzip, then identity (smaller bytes first).
//   - When nothing offered is acceptable, identity is chosen anyway (never a
//     406): an unencoded body is the one every client can at least store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

enum class Encoding : uint8_t { kIdentity = 0, kGzip = 1, kBrotli = 2 };

// The token used in Content-Encoding ("gzip", "br"); "" for identity.
const char* encoding_token(Encoding e);
// The file suffix of a precompressed sibling (".gz", ".br"); "" for identity.
const char* encoding_suffix(Encoding e);

// A small set of encodings the server can offer for one resource.
class EncodingSet {
 public:
  constexpr EncodingSet() = default;
  static constexpr EncodingSet all() { return EncodingSet(0x7); }
  EncodingSet& add(Encoding e) { bits_ |= bit(e); return *this; }
  bool has(Encoding e) const { return (bits_ & bit(e)) != 0; }
  bool empty() const { return bits_ == 0; }
  uint8_t bits() const { return bits_; }

 private:
  constexpr explicit EncodingSet(uint8_t bits) : bits_(bits) {}
  static constexpr uint8_t bit(Encoding e) { return static_cast<uint8_t>(1u << static_cast<unsigned>(e)); }
  uint8_t bits_ = 0;
};

// A parsed Accept-Encoding header. q-values are kept in thousandths (0..1000)
// so comparisons are exact.
struct AcceptEncoding {
  struct Entry {
    std::string coding;  // lower-cased; "*" for the wildcard
    int q = 1000;
  };
  std::vector<Entry> entries;

  // The q (0..1000) the client gives `e`, or -1 when it neither names it nor
  // covers it with "*". For identity, -1 means "implicitly acceptable".
  int quality(Encoding e) const;
};

// Parses a header value. Returns false when it is malformed (then *out is
// unspecified); an empty value parses to no entries. At most 64 entries are
// read; a longer header is malformed.
bool parse_accept_encoding(std::string_view value, AcceptEncoding* out);

// The encoding to send: the best of `available` for `header` (nullptr =
// header absent). identity is always a candidate, whether in `available` or
// not, and is the answer whenever nothing better is acceptable.
Encoding choose_encoding(const std::string* header, EncodingSet available);

// The same, for an already parsed header.
Encoding choose_encoding(const AcceptEncoding& accept, EncodingSet available);

// choose_encoding with a memory of the last header value: a client sends the
// same Accept-Encoding on every request, and parsing it was 5 % of the
// instructions of a cached gzip response (callgrind). One per worker loop.
class EncodingChooser {
 public:
  Encoding choose(const std::string* header, EncodingSet available);

 private:
  std::string last_header_;
  bool has_last_ = false;
  int8_t answers_[8];  // by EncodingSet::bits(); -1 = not computed yet
};

}  // namespace hearth
