// normalize_path (worker/path_normalize.h) against its contract and against
// a plain reference implementation (decode, split on '/', keep a stack).
// On success the result starts with '/', has no "//", no "." or ".."
// segment, no NUL; a result without '%' normalises to itself (a '%' in the
// result came from "%25" and would be decoded again, so there is no such
// promise for it), and encode_path of any result normalises back to it
// (a Location the server writes leads to the same file). has_hidden_segment
// is compared with a reference too.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "worker/http/path_normalize.h"

namespace hearth {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool reference_decode(std::string_view raw, std::string* out) {
  for (size_t i = 0; i < raw.size(); i++) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size() || hex(raw[i + 1]) < 0 || hex(raw[i + 2]) < 0) return false;
      c = static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
      i += 2;
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

// The header's examples: "/a/b/" -> "/a/b/", "/a/." -> "/a/", "/a/b/.." -> "/a/".
bool reference_normalize(std::string_view raw, std::string* out) {
  std::string decoded;
  if (raw.empty() || raw[0] != '/' || !reference_decode(raw, &decoded)) return false;
  std::vector<std::string> stack;
  bool ends_in_dir = false;
  size_t start = 1;
  for (;;) {
    size_t end = decoded.find('/', start);
    std::string segment = decoded.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (segment.empty() || segment == ".") {
      ends_in_dir = true;
    } else if (segment == "..") {
      if (stack.empty()) return false;
      stack.pop_back();
      ends_in_dir = true;
    } else {
      stack.push_back(segment);
      ends_in_dir = false;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  out->clear();
  for (const std::string& s : stack) *out += "/" + s;
  if (stack.empty() || ends_in_dir) *out += "/";
  return true;
}

bool reference_hidden(std::string_view path) {
  size_t start = 1;
  bool first = true;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    std::string_view segment = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    bool well_known = first && segment == ".well-known";
    if (!well_known && !segment.empty() && segment[0] == '.') return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
    first = false;
  }
  return false;
}

void check_shape(const std::string& p) {
  FUZZ_CHECK(!p.empty() && p[0] == '/');
  FUZZ_CHECK(p.find("//") == std::string::npos);
  FUZZ_CHECK(p.find("/./") == std::string::npos);
  FUZZ_CHECK(p.find("/../") == std::string::npos);
  FUZZ_CHECK(p.find('\0') == std::string::npos);
  std::string_view v(p);
  FUZZ_CHECK(!(v.size() >= 2 && v.substr(v.size() - 2) == "/."));
  FUZZ_CHECK(!(v.size() >= 3 && v.substr(v.size() - 3) == "/.."));
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string out = "left over from an earlier call";
  bool ok = normalize_path(raw, &out);
  std::string expected;
  bool expected_ok = reference_normalize(raw, &expected);
  FUZZ_CHECK(ok == expected_ok);
  if (!ok) return 0;
  FUZZ_CHECK(out == expected);
  check_shape(out);
  if (out.find('%') == std::string::npos) {
    std::string again;
    FUZZ_CHECK(normalize_path(out, &again));
    FUZZ_CHECK(again == out);
  }
  std::string back;
  FUZZ_CHECK(normalize_path(encode_path(out), &back));
  FUZZ_CHECK(back == out);
  FUZZ_CHECK(has_hidden_segment(out) == reference_hidden(out));
  return 0;
}
