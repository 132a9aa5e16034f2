#include "worker/http/request_parser.h"

#include <algorithm>

namespace hearth {

namespace hs = http_syntax;

namespace {

RequestParser* self(llhttp_t* p) { return static_cast<RequestParser*>(p->data); }

// llhttp refused a request line that http_syntax found well-formed, so the
// method is a token: one llhttp does not know, or one it knows for RTSP or
// the HTTP/2 preface only. Either way a method we do not implement.
int status_for_request_line_error(llhttp_errno_t err, const llhttp_t& p) {
  if (err == HPE_INVALID_METHOD) return 501;
  if ((err == HPE_INVALID_CONSTANT || err == HPE_INVALID_VERSION) && p.method >= HTTP_PRI) return 501;
  return 400;
}

void trim_trailing_ows(std::string* s) {
  size_t n = s->size();
  while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t')) n--;
  s->resize(n);
}

// The fields check_head() looks at, found in one pass over the headers.
struct HeadFields {
  const std::string* host = nullptr;
  int host_count = 0;
  bool transfer_encoding = false;
  const std::string* expect = nullptr;
};

HeadFields find_head_fields(const Headers& headers) {
  HeadFields h;
  for (const Headers::Field& f : headers.fields()) {
    if (iequals(f.first, "Host")) {
      h.host = &f.second;
      h.host_count++;
    } else if (iequals(f.first, "Transfer-Encoding")) {
      h.transfer_encoding = true;
    } else if (h.expect == nullptr && iequals(f.first, "Expect")) {
      h.expect = &f.second;
    }
  }
  return h;
}

}  // namespace

// One table of callbacks for every parser: llhttp keeps a pointer to it, and
// a copy in each connection would cost 184 bytes an idle client.
const llhttp_settings_t* RequestParser::callbacks() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_header_field = on_header_field;
    s.on_header_field_complete = on_header_field_complete;
    s.on_header_value = on_header_value;
    s.on_header_value_complete = on_header_value_complete;
    s.on_headers_complete = on_headers_complete;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  return &settings;
}

RequestParser::RequestParser(const Limits& limits) : limits_(limits) {
  llhttp_init(&parser_, HTTP_REQUEST, callbacks());
  parser_.data = this;
  reset_for_next_message();
}

// Each phase stops where its part of the message ends, so every turn of the
// loop either uses bytes or moves to the next phase.
size_t RequestParser::feed(const char* data, size_t len) {
  size_t used = 0;
  while (used < len && error_status_ == 0 && !message_ready_) {
    Phase before = phase_;
    size_t n = 0;
    switch (phase_) {
      case Phase::kRequestLine:
        n = feed_request_line(data + used, len - used);
        break;
      case Phase::kFields:
        n = feed_fields(data + used, len - used);
        break;
      case Phase::kBody:
        n = feed_body(data + used, len - used);
        break;
      case Phase::kChunkedBody:
        n = feed_chunked_body(data + used, len - used);
        break;
    }
    used += n;
    if (n == 0 && phase_ == before) break;
  }
  return used;
}

Request RequestParser::take_request() {
  Request out;
  take_request(&out);
  return out;
}

void RequestParser::take_request(Request* into) {
  into->swap(request_);
  reset_for_next_message();
}

// keep_alive_ and upgrade_ stay: the caller reads them after take_request().
void RequestParser::reset_for_next_message() {
  request_.clear();
  line_.reset(std::min(limits_.request_line_bytes, limits_.header_bytes));
  phase_ = Phase::kRequestLine;
  in_field_name_ = chunked_body_ = force_close_ = false;
  body_left_ = 0;
  started_ = headers_complete_ = message_ready_ = wants_continue_ = false;
}

int RequestParser::fail(int status, const char* reason) {
  if (error_status_ == 0) {
    error_status_ = status;
    error_reason_ = reason;
  }
  return -1;
}

size_t RequestParser::feed_request_line(const char* data, size_t len) {
  size_t used = line_.read(data, len);
  started_ = line_.started();
  if (line_.status() != 0) {
    fail(line_.status(), line_.status() == 414 ? "request line too long" : "malformed request line");
  } else if (line_.complete()) {
    start_head();
  }
  return used;
}

// The request line is complete: check it whole, then let llhttp read it, so
// no verdict depends on where a read happened to end.
int RequestParser::start_head() {
  hs::RequestLine line;
  int status = hs::parse_request_line(line_.line(), &line);
  if (status != 0) return fail(status, status == 505 ? "HTTP version not supported" : "malformed request line");
  hs::Target target = hs::parse_target(line.target);
  if (target.form == hs::TargetForm::kInvalid) return fail(400, "bad request target");
  if (target.form == hs::TargetForm::kAsterisk && line.method != "OPTIONS") return fail(400, "'*' is for OPTIONS");
  llhttp_reset(&parser_);
  llhttp_errno_t err = llhttp_execute(&parser_, line_.raw().data(), line_.raw().size());
  if (err != HPE_OK) return fail(status_for_request_line_error(err, parser_), llhttp_get_error_reason(&parser_));
  request_.method.assign(line.method);
  request_.target.assign(line.target);
  // An absolute-form target names the path itself; the Host field is then
  // replaced by its authority in check_head().
  request_.path.assign(target.path.empty() ? std::string_view("/") : target.path);
  request_.query.assign(target.query);
  request_.http_major = line.http_major;
  request_.http_minor = line.http_minor;
  size_t line_bytes = line_.raw().size();
  fields_.reset(limits_.header_bytes > line_bytes ? limits_.header_bytes - line_bytes : 0);
  phase_ = Phase::kFields;
  return 0;
}

// llhttp reads only what the scanner accepted, so an earlier fault found by
// either one wins, wherever the reads were split.
size_t RequestParser::feed_fields(const char* data, size_t len) {
  size_t accepted = fields_.scan(data, len);
  llhttp_errno_t err = llhttp_execute(&parser_, data, accepted);
  if (error_status_ != 0) return accepted;  // a callback refused the head
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {  // paused by on_message_complete: the head is done
    size_t used = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
    start_body();
    return used;
  }
  if (err != HPE_OK) {
    fail(400, llhttp_get_error_reason(&parser_));
  } else if (fields_.status() != 0) {
    fail(fields_.status(), fields_.status() == 431 ? "header too large" : "malformed header line");
  } else if (fields_.complete()) {
    fail(400, "head not understood");  // cannot happen: llhttp ends the head where the scanner does
  }
  return accepted;
}

void RequestParser::start_body() {
  if (chunked_body_) {
    chunked_.reset(body_limit_, limits_.header_bytes);
    phase_ = Phase::kChunkedBody;
  } else if (body_left_ > 0) {
    phase_ = Phase::kBody;
  } else {
    message_ready_ = true;
  }
}

size_t RequestParser::feed_body(const char* data, size_t len) {
  size_t n = static_cast<size_t>(std::min<uint64_t>(body_left_, len));
  request_.body.append(data, n);
  body_left_ -= n;
  if (body_left_ == 0) message_ready_ = true;
  return n;
}

size_t RequestParser::feed_chunked_body(const char* data, size_t len) {
  size_t used = chunked_.decode(data, len, &request_.body);
  int status = chunked_.status();
  if (status != 0) {
    fail(status, status == 413 ? "body too large" : status == 431 ? "trailer too large" : "bad chunked framing");
  } else if (chunked_.complete()) {
    message_ready_ = true;
  }
  return used;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, size_t len) {
  RequestParser* rp = self(p);
  auto& fields = rp->request_.headers.fields();
  if (!rp->in_field_name_) {
    fields.emplace_back();
    rp->in_field_name_ = true;
  }
  fields.back().first.append(at, len);
  return 0;
}

// llhttp lets spaces and empty names through; RFC 9110 §5.1 says a name is a token.
int RequestParser::on_header_field_complete(llhttp_t* p) {
  RequestParser* rp = self(p);
  if (!rp->in_field_name_) return rp->fail(400, "empty field name");
  rp->in_field_name_ = false;
  if (!hs::is_token(rp->request_.headers.fields().back().first)) return rp->fail(400, "invalid field name");
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, size_t len) {
  self(p)->request_.headers.fields().back().second.append(at, len);
  return 0;
}

// llhttp drops leading whitespace but keeps trailing; and it lets control
// bytes other than NUL, CR and LF through.
int RequestParser::on_header_value_complete(llhttp_t* p) {
  RequestParser* rp = self(p);
  std::string& value = rp->request_.headers.fields().back().second;
  trim_trailing_ows(&value);
  if (!hs::is_field_value(value)) return rp->fail(400, "invalid field value");
  return 0;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  RequestParser* rp = self(p);
  rp->headers_complete_ = true;
  if (rp->check_head() != 0) return -1;
  return 1;  // 1: llhttp reads no body; start_body() does
}

int RequestParser::on_message_complete(llhttp_t* p) {
  RequestParser* rp = self(p);
  rp->keep_alive_ = llhttp_should_keep_alive(p) != 0 && !rp->force_close_;
  rp->upgrade_ = p->upgrade != 0;
  return HPE_PAUSED;  // feed() stops here and reads the body itself
}

// What llhttp accepts but HTTP/1.1 forbids, or our limits refuse.
int RequestParser::check_head() {
  HeadFields h = find_head_fields(request_.headers);
  // RFC 9112 §3.2: one Host on HTTP/1.1, never two, and a valid one.
  if (h.host_count > 1) return fail(400, "more than one Host");
  if (h.host_count == 0 && request_.http_minor >= 1) return fail(400, "no Host");
  if (h.host != nullptr && !h.host->empty() && !hs::is_host_port(*h.host)) return fail(400, "invalid Host");
  int status = check_framing(h.transfer_encoding);
  if (status != 0) return status;
  if (h.expect != nullptr) {
    if (!iequals(*h.expect, "100-continue")) return fail(417, "unknown expectation");
    wants_continue_ = request_.http_minor >= 1;
  }
  // RFC 9112 §3.2.2: with an absolute-form target, its authority is the host.
  if (request_.target[0] != '/' && request_.target[0] != '*') {
    request_.headers.set("Host", hs::parse_target(request_.target).authority);
  }
  return 0;
}

// How the body is delimited (RFC 9112 §6.3).
int RequestParser::check_framing(bool transfer_encoding) {
  bool content_length = (parser_.flags & F_CONTENT_LENGTH) != 0;
  body_limit_ = limits_.body_bytes;
  if (body_limit_for_ && (transfer_encoding || parser_.content_length > 0)) body_limit_ = body_limit_for_(request_);
  // llhttp refuses both together already; kept so the rule does not hang on a library default.
  if (transfer_encoding && content_length) return fail(400, "Transfer-Encoding with Content-Length");
  if (transfer_encoding) {
    int status = hs::transfer_encoding_status(request_.headers);
    if (status != 0) return fail(status, status == 501 ? "transfer coding not implemented" : "bad Transfer-Encoding");
    chunked_body_ = true;
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request means the
    // framing is faulty (no 1.0 sender can have meant it): answer, then close.
    if (request_.http_minor == 0) force_close_ = true;
    return 0;
  }
  // llhttp refuses a Content-Length that is not all digits, overflows, or
  // repeats, even with the same value ("5, 5" or two fields): RFC 9110 §8.6
  // lets a recipient accept identical copies, but refusing them leaves no
  // room for two readers to disagree about the length.
  if (content_length) {
    if (parser_.content_length > body_limit_) return fail(413, "body too large");
    body_left_ = parser_.content_length;
  }
  return 0;
}

}  // namespace hearth
