// What the bytes of an HTTP/1.1 request must look like (RFC 9112, RFC 9110),
// as pure checks plus two incremental readers that take bytes as they
// arrive (the chunked body has its own: worker/chunked_decoder.h). Nothing
// here knows about llhttp. llhttp is built in its strict mode (the
// Makefile), but even that leaves some of RFC 9112 to the caller, and its
// verdict on a request line can depend on the read split, so
// request_parser.cc runs these rules beside it. Every reader decides from the
// bytes alone, never from how they were split across reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <hearth/headers.h>

namespace hearth::http_syntax {

// tchar of RFC 9110 §5.6.2: the characters of methods, field names, codings.
bool is_tchar(unsigned char c);
bool is_token(std::string_view s);
// A field value after its surrounding whitespace is removed: VCHAR, obs-text,
// SP and HTAB only (RFC 9110 §5.5). NUL, CR, LF and other controls are not.
bool is_field_value(std::string_view s);
// host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): an IP-literal, or a
// reg-name/IPv4 of unreserved, pct-encoded and sub-delims characters. The
// host must not be empty. A comma is refused although sub-delims allow it:
// in a Host value it means a list, two hosts for two readers.
bool is_host_port(std::string_view s);

struct RequestLine {
  std::string_view method;
  std::string_view target;
  int http_major = 0;
  int http_minor = 0;
};
// Splits "method SP request-target SP HTTP/D.D" (no CRLF) with exactly one
// space between the parts. Returns 0, 400 (malformed) or 505 (a well-formed
// version other than 1.0 and 1.1).
int parse_request_line(std::string_view line, RequestLine* out);

enum class TargetForm { kOrigin, kAbsolute, kAsterisk, kInvalid };
struct Target {
  TargetForm form = TargetForm::kInvalid;
  std::string_view authority;  // absolute-form only
  std::string_view path;       // "" when an absolute target has none; "*" for asterisk-form
  std::string_view query;      // without '?' and without any fragment
};
// The forms a server takes (RFC 9112 §3.2): "/path?query", "http(s)://host/path"
// (no userinfo, RFC 9110 §4.2.4), "*". Authority-form is for proxies: kInvalid.
Target parse_target(std::string_view target);

// Transfer-Encoding of a request, all its fields together. 0: chunked, and
// chunked alone. 400: not a list of codings, chunked not final or applied
// twice (RFC 9112 §6.3: the length cannot be known). 501: chunked is final but
// follows a coding we do not implement, like "gzip, chunked" (RFC 9112 §6.1;
// nginx answers 501 too).
int transfer_encoding_status(const Headers& headers);

// Collects the request line (RFC 9112 §3) into a buffer reused from request
// to request. Skips a few empty lines before it (§2.2). Refuses at once what
// no later byte can mend: a bare CR or LF, a control byte, a method byte that
// is not a tchar; and a line over `max_bytes` (CRLF not counted) with 414.
class RequestLineReader {
 public:
  void reset(size_t max_bytes);
  // Returns the bytes used: up to and including the line's LF, or up to the
  // refused byte.
  size_t read(const char* data, size_t len);
  bool started() const { return started_; }  // a byte of the line itself arrived
  bool complete() const { return complete_; }
  int status() const { return status_; }
  // The complete line with its CRLF, and without it.
  const std::string& raw() const { return line_; }
  std::string_view line() const { return std::string_view(line_).substr(0, line_.size() - 2); }

 private:
  size_t skip_empty_lines(const char* data, size_t len);
  size_t refuse(size_t at, int status);
  size_t finish_line(const char* data, size_t len, size_t start, size_t i);

  std::string line_;
  size_t max_bytes_ = 0;
  size_t content_bytes_ = 0;  // the line without CR and LF
  int empty_lines_ = 0;
  bool started_ = false;
  bool in_method_ = false;
  bool after_cr_ = false;
  bool complete_ = false;
  int status_ = 0;
};

// Checks the line structure of the field section, the part of the head after
// the request line, without copying it: every line ends in CRLF (no bare CR
// or LF), no line starts with SP or HTAB (obs-fold, RFC 9112 §5.2, or space
// before the first field), and the section fits `max_bytes` (else 431). What
// is inside a line is llhttp's and the field callbacks' business.
class FieldSectionScanner {
 public:
  void reset(size_t max_bytes);
  // Returns the bytes accepted: up to and including the empty line's LF, or
  // up to the refused byte (the first one over the limit for 431).
  size_t scan(const char* data, size_t len);
  bool complete() const { return complete_; }
  int status() const { return status_; }

 private:
  size_t scan_lines(const char* data, size_t len);

  size_t max_bytes_ = 0;
  size_t bytes_ = 0;
  bool line_start_ = true;
  bool after_cr_ = false;
  bool empty_line_ = false;
  bool complete_ = false;
  int status_ = 0;
};

}  // namespace hearth::http_syntax
