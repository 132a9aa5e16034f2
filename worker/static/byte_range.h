// Parsing the Range request header (RFC 9110 section 14.1.2) for static files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

struct ByteRange {
  uint64_t first;
  uint64_t last;  // inclusive
};

struct RangeRequest {
  enum class Kind { kNone, kSatisfiable, kUnsatisfiable } kind = Kind::kNone;
  // For kSatisfiable: sorted, overlapping/adjacent ones merged, clamped to size; empty otherwise.
  std::vector<ByteRange> ranges;
};

// The most range-specs one header may hold; more is treated as abuse and the header as absent.
constexpr size_t kMaxRanges = 16;

// Parses a Range header value for a representation of `size` bytes.
// kNone: header malformed or not "bytes=" (the caller ignores it and sends 200). Malformed includes
//   a range whose last is below its first ("bytes=5-3"), an empty set ("bytes="), numbers that
//   overflow uint64_t, and more than kMaxRanges range-specs.
// kUnsatisfiable: well-formed but no range overlaps (416 with "bytes */size"); also size == 0 with
//   any range.
// Accepts "bytes=a-b", "a-", "-n" (suffix; "-0" is unsatisfiable), several comma-separated with
// optional spaces or tabs around the commas; the unit "bytes" is case-insensitive.
// Allocates nothing beyond the vector (one allocation for the common single range).
RangeRequest parse_range(std::string_view header, uint64_t size);

// The Content-Range value of a 206 part: "bytes 0-99/1000".
std::string content_range(const ByteRange& r, uint64_t size);
// The Content-Range value of a 416: "bytes */1000".
std::string unsatisfied_content_range(uint64_t size);

}  // namespace hearth
