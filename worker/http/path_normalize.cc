#include "worker/http/path_normalize.h"

#include <cstring>

namespace hearth {

static bool is_normal_already(std::string_view path);
static int hex_value(char c);
static bool percent_decode(std::string_view raw, std::string* out);
static bool resolve_dot_segments(std::string* path);

bool normalize_path(std::string_view raw_path, std::string* out) {
  if (raw_path.empty() || raw_path[0] != '/') return false;
  if (is_normal_already(raw_path)) {  // most paths: one scan and one copy
    out->assign(raw_path.data(), raw_path.size());
    return true;
  }
  return percent_decode(raw_path, out) && resolve_dot_segments(out);
}

// Looks only at the dots (memchr): most paths have none or one, and every
// request asks.
bool has_hidden_segment(std::string_view path) {
  constexpr std::string_view kWellKnown = "/.well-known";
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    if (dot == 0 || path[dot - 1] != '/') continue;
    bool well_known = dot == 1 && path.substr(0, kWellKnown.size()) == kWellKnown &&
                      (path.size() == kWellKnown.size() || path[kWellKnown.size()] == '/');
    if (!well_known) return true;
  }
  return false;
}

std::string encode_path(std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    unsigned char u = static_cast<unsigned char>(c);
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    // strchr finds the terminator too: NUL is excluded first.
    if (alnum || (u != 0 && std::strchr("-._~!$&'()*+,;=:@/", c) != nullptr)) {
      out.push_back(c);
      continue;
    }
    out.push_back('%');
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 0xf]);
  }
  return out;
}

// True when decoding and resolving would give `path` back unchanged: no
// escape, no NUL (refused, by the long way), and no segment that is empty,
// "." or ".." - each of those follows a '/' with '/' or '.'. A trailing slash
// is kept either way. Segments merely starting with '.' take the long way too.
static bool is_normal_already(std::string_view path) {
  for (size_t i = 0; i < path.size(); i++) {
    char c = path[i];
    if (c == '%' || c == '\0') return false;
    if (c == '/' && i + 1 < path.size() && (path[i + 1] == '/' || path[i + 1] == '.')) return false;
  }
  return true;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Every "%XX" becomes its byte; a NUL would cut the path short at the open() call, so it is refused.
static bool percent_decode(std::string_view raw, std::string* out) {
  out->clear();
  out->reserve(raw.size());
  for (size_t i = 0; i < raw.size(); i++) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return false;
      int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

// Rewrites *path in place, segment by segment. The written prefix never outgrows what has been
// read, because each kept segment writes exactly the bytes it consumed and skipped ones write none.
static bool resolve_dot_segments(std::string* path) {
  std::string& p = *path;
  size_t written = 0;
  size_t read = 0;            // always at a '/'
  bool ends_in_dir = false;   // the last segment was "", "." or "..": keep a trailing slash
  while (read < p.size()) {
    size_t start = read + 1;
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    std::string_view segment(p.data() + start, end - start);
    read = end;
    if (segment.empty() || segment == ".") {
      ends_in_dir = true;
    } else if (segment == "..") {
      if (written == 0) return false;  // would climb above the root
      written = p.rfind('/', written - 1);
      ends_in_dir = true;
    } else {
      p[written] = '/';
      std::memmove(&p[written + 1], segment.data(), segment.size());
      written += 1 + segment.size();
      ends_in_dir = false;
    }
  }
  if (written == 0 || ends_in_dir) p[written++] = '/';
  p.resize(written);
  return true;
}

}  // namespace hearth
