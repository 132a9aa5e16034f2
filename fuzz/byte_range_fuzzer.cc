// parse_range (worker/byte_range.h) for a representation of some size.
// Input: one byte choosing how the size is made (a small size from the next
// byte, or any 64-bit size from the next 8), then the Range header value.
// Checks: satisfiable means 1..kMaxRanges ranges, each first <= last < size,
// sorted, neither overlapping nor adjacent (merged); otherwise no ranges;
// size 0 is never satisfiable; the unit's case does not matter; the
// canonical form of the result ("bytes=a-b,c-d") parses to the same ranges;
// Content-Range values are formatted as RFC 9110 says.
#include <cinttypes>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "worker/static/byte_range.h"

namespace hearth {
namespace {

uint64_t take_size(std::string_view* in) {
  if (in->empty()) return 0;
  uint8_t mode = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  if (mode % 4 != 0 || in->size() < 8) {  // mostly small sizes: ranges then overlap and clamp
    if (in->empty()) return mode;
    uint64_t size = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    return size;
  }
  uint64_t size = 0;
  for (int i = 0; i < 8; i++) size = (size << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(8);
  return size;
}

void check_ranges(const RangeRequest& r, uint64_t size) {
  if (r.kind != RangeRequest::Kind::kSatisfiable) {
    FUZZ_CHECK(r.ranges.empty());
    return;
  }
  FUZZ_CHECK(size > 0);
  FUZZ_CHECK(!r.ranges.empty() && r.ranges.size() <= kMaxRanges);
  for (size_t i = 0; i < r.ranges.size(); i++) {
    const ByteRange& b = r.ranges[i];
    FUZZ_CHECK(b.first <= b.last);
    FUZZ_CHECK(b.last < size);
    if (i > 0) FUZZ_CHECK(b.first > r.ranges[i - 1].last + 1);  // merged: a gap between ranges
  }
}

bool same(const RangeRequest& a, const RangeRequest& b) {
  if (a.kind != b.kind || a.ranges.size() != b.ranges.size()) return false;
  for (size_t i = 0; i < a.ranges.size(); i++) {
    if (a.ranges[i].first != b.ranges[i].first || a.ranges[i].last != b.ranges[i].last) return false;
  }
  return true;
}

std::string canonical(const RangeRequest& r) {
  std::string s = "bytes=";
  for (size_t i = 0; i < r.ranges.size(); i++) {
    if (i > 0) s += ",";
    s += std::to_string(r.ranges[i].first) + "-" + std::to_string(r.ranges[i].last);
  }
  return s;
}

// Flips the case of the unit when the header starts with it ("bytes=" -> "BYTES=").
bool flip_unit_case(std::string* h) {
  size_t start = h->find_first_not_of(" \t");
  if (start == std::string::npos || h->size() - start < 6) return false;
  for (size_t i = start; i < start + 5; i++) {
    char& c = (*h)[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    else if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return true;
}

void check_content_range(const RangeRequest& r, uint64_t size) {
  char buf[96];
  for (const ByteRange& b : r.ranges) {
    std::snprintf(buf, sizeof buf, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, b.first, b.last, size);
    FUZZ_CHECK(content_range(b, size) == buf);
  }
  std::snprintf(buf, sizeof buf, "bytes */%" PRIu64, size);
  FUZZ_CHECK(unsatisfied_content_range(size) == buf);
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  uint64_t file_size = take_size(&in);
  RangeRequest r = parse_range(in, file_size);
  check_ranges(r, file_size);
  check_content_range(r, file_size);
  if (r.kind == RangeRequest::Kind::kSatisfiable) {
    FUZZ_CHECK(same(parse_range(canonical(r), file_size), r));
  }
  std::string flipped(in);
  if (flip_unit_case(&flipped)) FUZZ_CHECK(same(parse_range(flipped, file_size), r));
  return 0;
}
