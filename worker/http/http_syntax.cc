#include "worker/http/http_syntax.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "worker/http/http_chars.h"

namespace hearth::http_syntax {

using namespace chars;  // NOLINT: the character classes are this file's vocabulary

namespace {

bool is_reg_name(std::string_view s) {
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size() || !has(s[i + 1], kHex) || !has(s[i + 2], kHex)) return false;
      i += 2;
    } else if (!has(c, kRegName)) {
      return false;
    }
  }
  return true;
}

// "[" ( IPv6address / IPvFuture ) "]" without the brackets. IPv6 is checked
// by its characters, not by its group count: enough to keep out anything
// that could end the authority or hide a second one.
bool is_ip_literal(std::string_view s) {
  if (s.empty()) return false;
  if (s[0] == 'v' || s[0] == 'V') {  // IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
    size_t dot = s.find('.');
    if (dot == std::string_view::npos || dot < 2 || dot + 1 == s.size()) return false;
    if (!all_of(s.substr(1, dot - 1), kHex)) return false;
    for (char c : s.substr(dot + 1)) {
      if (c != ':' && c != ',' && !has(c, kRegName)) return false;
    }
    return true;
  }
  if (s.find(':') == std::string_view::npos) return false;
  for (char c : s) {
    if (c != ':' && c != '.' && !has(c, kHex)) return false;
  }
  return true;
}

bool is_port(std::string_view s) { return std::all_of(s.begin(), s.end(), is_digit); }

size_t skip_ows(std::string_view s, size_t i) {
  while (i < s.size() && is_ows(s[i])) i++;
  return i;
}

size_t token_end(std::string_view s, size_t i) {
  while (i < s.size() && has(s[i], kTchar)) i++;
  return i;
}

// Past a quoted-string starting at s[i] == '"', or npos when it is malformed.
size_t quoted_string_end(std::string_view s, size_t i) {
  for (i++; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (++i == s.size() || !has(s[i], kFieldValue)) return std::string_view::npos;
    } else if (!has(c, kQdText)) {
      return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

// transfer-coding = token *( OWS ";" OWS token BWS "=" BWS ( token / quoted-string ) )
// Sets *params when parameters follow. Returns the index past the coding, or npos.
size_t parse_coding(std::string_view s, size_t i, std::string_view* name, bool* params) {
  size_t end = token_end(s, i);
  if (end == i) return std::string_view::npos;
  *name = s.substr(i, end - i);
  *params = false;
  for (i = skip_ows(s, end); i < s.size() && s[i] == ';'; i = skip_ows(s, i)) {
    i = skip_ows(s, i + 1);
    end = token_end(s, i);
    if (end == i) return std::string_view::npos;
    i = skip_ows(s, end);
    if (i == s.size() || s[i] != '=') return std::string_view::npos;
    i = skip_ows(s, i + 1);
    end = i < s.size() && s[i] == '"' ? quoted_string_end(s, i) : token_end(s, i);
    if (end == std::string_view::npos || end == i) return std::string_view::npos;
    i = end;
    *params = true;
  }
  return i;
}

// Splits what follows the authority (or is an origin-form target) at '?' and '#'.
void split_path_query(std::string_view rest, Target* t) {
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t q = rest.find('?');
  t->path = rest.substr(0, q);
  t->query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
}

}  // namespace

bool is_tchar(unsigned char c) { return has(c, kTchar); }

bool is_token(std::string_view s) { return !s.empty() && all_of(s, kTchar); }

bool is_field_value(std::string_view s) { return all_of(s, kFieldValue); }

bool is_host_port(std::string_view s) {
  std::string_view host = s;
  std::string_view rest;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || !is_ip_literal(s.substr(1, close - 1))) return false;
    rest = s.substr(close + 1);
  } else {
    size_t colon = s.find(':');
    host = s.substr(0, colon);
    if (host.empty() || !is_reg_name(host)) return false;
    rest = colon == std::string_view::npos ? std::string_view() : s.substr(colon);
  }
  if (rest.empty()) return true;
  return rest[0] == ':' && is_port(rest.substr(1));
}

int parse_request_line(std::string_view line, RequestLine* out) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return 400;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return 400;  // HTTP/0.9's "GET /" has no version
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  // An empty part is two spaces in a row; raw bytes over 0x7e in a target
  // would be read differently by different URI decoders.
  if (!is_token(method) || target.empty() || !all_of(target, kVchar)) return 400;
  if (version.size() != 8 || version.compare(0, 5, "HTTP/") != 0 || !is_digit(version[5]) || version[6] != '.' ||
      !is_digit(version[7]))
    return 400;
  out->method = method;
  out->target = target;
  out->http_major = version[5] - '0';
  out->http_minor = version[7] - '0';
  if (out->http_major != 1 || out->http_minor > 1) return 505;
  return 0;
}

Target parse_target(std::string_view target) {
  Target t;
  if (target == "*") {
    t.form = TargetForm::kAsterisk;
    t.path = target;
    return t;
  }
  if (!target.empty() && target[0] == '/') {
    t.form = TargetForm::kOrigin;
    split_path_query(target, &t);
    return t;
  }
  size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return t;
  std::string_view scheme = target.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return t;
  std::string_view rest = target.substr(scheme_end + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (!is_host_port(authority)) return t;  // also refuses userinfo: '@' is not a host character
  t.form = TargetForm::kAbsolute;
  t.authority = authority;
  split_path_query(authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end), &t);
  return t;
}

int transfer_encoding_status(const Headers& headers) {
  bool chunked = false;  // seen, and so far the final coding
  bool other = false;
  for (const Headers::Field& f : headers.fields()) {
    if (!iequals(f.first, "Transfer-Encoding")) continue;
    std::string_view v = f.second;
    for (size_t i = 0; i < v.size();) {
      i = skip_ows(v, i);
      if (i < v.size() && v[i] == ',') {  // empty list elements are allowed (RFC 9110 §5.6.1)
        i++;
        continue;
      }
      if (i == v.size()) break;
      std::string_view coding;
      bool params = false;
      i = parse_coding(v, i, &coding, &params);
      if (i == std::string_view::npos) return 400;
      if (chunked) return 400;  // something after chunked, or chunked twice
      if (iequals(coding, "chunked")) {
        if (params) return 400;  // chunked has no parameters
        chunked = true;
      } else {
        other = true;
      }
      i = skip_ows(v, i);
      if (i < v.size() && v[i] != ',') return 400;
    }
  }
  if (!chunked) return 400;
  return other ? 501 : 0;
}

// ---- RequestLineReader ----

namespace {
constexpr int kMaxEmptyLinesBeforeRequest = 8;
}

void RequestLineReader::reset(size_t max_bytes) {
  line_.clear();
  max_bytes_ = max_bytes;
  content_bytes_ = 0;
  empty_lines_ = 0;
  started_ = in_method_ = after_cr_ = complete_ = false;
  status_ = 0;
}

size_t RequestLineReader::refuse(size_t at, int status) {
  status_ = status;
  return at;
}

// A client may send CRLF after a body it has already framed (RFC 9112 §2.2).
size_t RequestLineReader::skip_empty_lines(const char* data, size_t len) {
  size_t i = 0;
  for (; i < len; i++) {
    char c = data[i];
    if (after_cr_) {
      if (c != '\n') return refuse(i, 400);
      after_cr_ = false;
      if (++empty_lines_ > kMaxEmptyLinesBeforeRequest) return refuse(i, 400);
    } else if (c == '\r') {
      after_cr_ = true;
    } else if (c == '\n') {
      return refuse(i, 400);
    } else {
      started_ = in_method_ = true;
      break;
    }
  }
  return i;
}

// Bytes a request line may hold besides CR: visible ones, SP, obs-text.
// HTAB and a bare LF are refused: the parts are split by single spaces.
static bool is_line_byte(unsigned char c) { return c >= 0x20 && c != 0x7f; }

// Finds the line's CR with memchr, then checks the bytes before it in
// tight loops (the method must be a token), instead of one byte at a time
// through every rule.
size_t RequestLineReader::read(const char* data, size_t len) {
  if (complete_ || status_ != 0) return 0;
  size_t i = started_ ? 0 : skip_empty_lines(data, len);
  if (status_ != 0 || !started_) return i;
  size_t start = i;
  if (after_cr_) return finish_line(data, len, start, i);
  const void* cr = std::memchr(data + i, '\r', len - i);
  size_t end = cr != nullptr ? static_cast<size_t>(static_cast<const char*>(cr) - data) : len;
  size_t j = i;
  bool bad = false;
  if (in_method_) {
    while (j < end && has(data[j], kTchar)) j++;
    if (j < end) {
      if (data[j] == ' ') {
        in_method_ = false;
      } else {
        bad = true;
      }
    }
  }
  if (!bad) {
    while (j < end && is_line_byte(static_cast<unsigned char>(data[j]))) j++;
    bad = j < end;
  }
  size_t room = max_bytes_ - content_bytes_;
  if (j - i > room) {  // the byte past the limit is a valid one
    line_.append(data + start, room);
    return refuse(i + room, 414);
  }
  content_bytes_ += j - i;
  if (bad) {
    line_.append(data + start, j - start);
    return refuse(j, 400);
  }
  if (cr == nullptr) {
    line_.append(data + start, len - start);
    return len;
  }
  after_cr_ = true;
  return finish_line(data, len, start, end + 1);
}

// After the CR: the LF must follow at `i`.
size_t RequestLineReader::finish_line(const char* data, size_t len, size_t start, size_t i) {
  if (i < len) {
    if (data[i] != '\n') {
      line_.append(data + start, i - start);
      return refuse(i, 400);  // a bare CR
    }
    complete_ = true;
    i++;
  }
  line_.append(data + start, i - start);
  return i;
}

// ---- FieldSectionScanner ----

void FieldSectionScanner::reset(size_t max_bytes) {
  max_bytes_ = max_bytes;
  bytes_ = 0;
  line_start_ = true;
  after_cr_ = empty_line_ = complete_ = false;
  status_ = 0;
}

size_t FieldSectionScanner::scan(const char* data, size_t len) {
  if (complete_ || status_ != 0) return 0;
  size_t n = std::min(len, max_bytes_ - bytes_);
  size_t used = scan_lines(data, n);
  bytes_ += used;
  if (!complete_ && status_ == 0 && n < len) status_ = 431;
  return used;
}

size_t FieldSectionScanner::scan_lines(const char* data, size_t len) {
  size_t i = 0;
  while (i < len) {
    if (after_cr_) {
      if (data[i] != '\n') break;  // a bare CR
      after_cr_ = false;
      i++;
      if (empty_line_) {
        complete_ = true;
        return i;
      }
      line_start_ = true;
      continue;
    }
    if (line_start_) {
      char c = data[i];
      if (c == ' ' || c == '\t' || c == '\n') break;  // obs-fold, space before a name, or a bare LF
      line_start_ = false;
      empty_line_ = c == '\r';
    }
    const void* cr = std::memchr(data + i, '\r', len - i);
    size_t end = cr != nullptr ? static_cast<const char*>(cr) - data : len;
    const void* lf = std::memchr(data + i, '\n', end - i);
    if (lf != nullptr) {  // a LF before the line's CR is a bare LF
      i = static_cast<const char*>(lf) - data;
      break;
    }
    if (cr == nullptr) return len;
    after_cr_ = true;
    i = end + 1;
  }
  if (i < len) status_ = 400;
  return i;
}

}  // namespace hearth::http_syntax
