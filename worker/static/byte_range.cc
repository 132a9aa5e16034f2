#include "worker/static/byte_range.h"

#include <algorithm>

namespace hearth {

namespace {

// One range-spec as written: a suffix "-n" has no first.
struct RangeSpec {
  bool suffix = false;
  bool has_last = false;
  uint64_t first = 0;
  uint64_t last = 0;
};

bool is_ows(char c) { return c == ' ' || c == '\t'; }

void skip_ows(std::string_view* s) {
  while (!s->empty() && is_ows(s->front())) s->remove_prefix(1);
}

void trim_ows(std::string_view* s) {
  skip_ows(s);
  while (!s->empty() && is_ows(s->back())) s->remove_suffix(1);
}

// Consumes a run of digits from the front of *s. False when there is none or it overflows.
bool take_number(std::string_view* s, uint64_t* value) {
  size_t i = 0;
  uint64_t v = 0;
  for (; i < s->size() && (*s)[i] >= '0' && (*s)[i] <= '9'; i++) {
    uint64_t digit = static_cast<uint64_t>((*s)[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (i == 0) return false;
  s->remove_prefix(i);
  *value = v;
  return true;
}

// "a-b", "a-" or "-n", with nothing else around it.
bool parse_spec(std::string_view s, RangeSpec* spec) {
  if (!s.empty() && s.front() == '-') {
    s.remove_prefix(1);
    spec->suffix = true;
    return take_number(&s, &spec->last) && s.empty();
  }
  if (!take_number(&s, &spec->first) || s.empty() || s.front() != '-') return false;
  s.remove_prefix(1);
  if (s.empty()) return true;
  spec->has_last = true;
  return take_number(&s, &spec->last) && s.empty() && spec->last >= spec->first;
}

// The part of `size` bytes that `spec` selects; false when it selects none.
bool clamp_to_size(const RangeSpec& spec, uint64_t size, ByteRange* r) {
  if (size == 0) return false;
  if (spec.suffix) {
    if (spec.last == 0) return false;
    r->first = spec.last >= size ? 0 : size - spec.last;
    r->last = size - 1;
    return true;
  }
  if (spec.first >= size) return false;
  r->first = spec.first;
  r->last = spec.has_last ? std::min(spec.last, size - 1) : size - 1;
  return true;
}

// Sorts by first byte and joins ranges that overlap or touch, so no byte is sent twice.
void merge_ranges(std::vector<ByteRange>* ranges) {
  if (ranges->size() < 2) return;
  std::sort(ranges->begin(), ranges->end(),
            [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
  size_t kept = 0;
  for (size_t i = 1; i < ranges->size(); i++) {
    ByteRange& cur = (*ranges)[kept];
    const ByteRange& next = (*ranges)[i];
    if (next.first <= cur.last + 1) {  // last < size, so last + 1 cannot overflow
      cur.last = std::max(cur.last, next.last);
    } else {
      (*ranges)[++kept] = next;
    }
  }
  ranges->resize(kept + 1);
}

bool strip_unit(std::string_view* s) {
  constexpr std::string_view kUnit = "bytes=";
  if (s->size() < kUnit.size()) return false;
  for (size_t i = 0; i < kUnit.size(); i++) {
    char c = (*s)[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kUnit[i]) return false;
  }
  s->remove_prefix(kUnit.size());
  return true;
}

}  // namespace

RangeRequest parse_range(std::string_view header, uint64_t size) {
  RangeRequest none;
  RangeRequest result;
  trim_ows(&header);
  if (!strip_unit(&header)) return none;
  size_t specs = 0;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view element = header.substr(0, comma);
    header.remove_prefix(comma == std::string_view::npos ? header.size() : comma + 1);
    trim_ows(&element);
    if (element.empty()) continue;  // empty list elements are allowed (RFC 9110 5.6.1)
    RangeSpec spec;
    if (++specs > kMaxRanges || !parse_spec(element, &spec)) return none;
    ByteRange r;
    if (clamp_to_size(spec, size, &r)) result.ranges.push_back(r);
  }
  if (specs == 0) return none;
  result.kind = result.ranges.empty() ? RangeRequest::Kind::kUnsatisfiable
                                      : RangeRequest::Kind::kSatisfiable;
  merge_ranges(&result.ranges);
  return result;
}

// Writes the decimal digits of v at p (at most 20) and returns the end.
static char* put_decimal(char* p, uint64_t v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = digits[--n];
  return p;
}

// Formats into a stack buffer so the result is built with a single allocation.
std::string content_range(const ByteRange& r, uint64_t size) {
  char buf[6 + 3 * 20 + 2] = "bytes ";
  char* p = put_decimal(buf + 6, r.first);
  *p++ = '-';
  p = put_decimal(p, r.last);
  *p++ = '/';
  p = put_decimal(p, size);
  return std::string(buf, p);
}

std::string unsatisfied_content_range(uint64_t size) {
  char buf[8 + 20] = "bytes */";
  return std::string(buf, put_decimal(buf + 8, size));
}

}  // namespace hearth
