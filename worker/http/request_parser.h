// The one place that touches llhttp: turns bytes from a connection into
// Request objects, enforcing the configured size limits and the HTTP/1.1
// rules of RFC 9112/9110.
//
// Who checks what: worker/http_syntax collects the request line and checks
// it whole before llhttp sees it (so an unknown method or version gets the
// same answer however the bytes were split), checks the line endings of the
// header section beside llhttp (a second guard beside its strict mode), and
// decodes the body itself; llhttp parses the header fields, Content-Length
// and the Connection/Upgrade semantics. All lenient flags stay off.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "shared/config.h"
#include "worker/http/chunked_decoder.h"
#include "worker/http/http_syntax.h"
#include <hearth/request.h>

namespace hearth {

class RequestParser {
 public:
  explicit RequestParser(const Limits& limits);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses at most one message from `data`. Returns the bytes consumed; stops
  // right after a complete message so the caller can answer it before
  // reading the next (pipelining keeps responses in request order).
  size_t feed(const char* data, size_t len);

  // After feed(): a 4xx/5xx status when the input is unacceptable (the
  // connection answers it and closes), else 0.
  int error_status() const { return error_status_; }
  const char* error_reason() const { return error_reason_; }
  // A whole request is ready: take it, then feed() again for the next one.
  bool message_ready() const { return message_ready_; }
  Request take_request();
  // The same into *into, whose buffers the parser keeps for the next
  // request: a keep-alive connection then parses without allocating.
  void take_request(Request* into);
  // Keep-alive as the request asked (HTTP/1.0 needs "Connection: keep-alive"),
  // and never after an HTTP/1.0 request framed by Transfer-Encoding.
  bool keep_alive() const { return keep_alive_; }
  // The request asked for a protocol upgrade; bytes after it are not HTTP.
  bool upgrade() const { return upgrade_; }
  // Headers are in and the client waits for "100 Continue" before the body.
  bool wants_continue() const { return wants_continue_ && !message_ready_; }
  void continue_sent() { wants_continue_ = false; }
  // Asked once the head is in, before the body: the most body bytes this
  // request may carry (over it: 413). Unset: limits.body_bytes. A route
  // that streams its body has a limit of its own.
  void set_body_limit(std::function<uint64_t(const Request& head)> limit) { body_limit_for_ = std::move(limit); }
  // The request being read, body so far included (for a streamed body:
  // what arrived since the last take_body).
  const Request& head() const { return request_; }
  // Moves the body bytes read so far into *out (a streamed body never
  // builds up whole).
  void take_body(std::string* out) {
    out->clear();
    out->swap(request_.body);
  }
  // Some bytes of a request have arrived but the header is not complete.
  bool reading_head() const { return started_ && !headers_complete_; }
  bool reading_body() const { return headers_complete_ && !message_ready_; }
  bool idle() const { return !started_; }

 private:
  enum class Phase : uint8_t { kRequestLine, kFields, kBody, kChunkedBody };

  static const llhttp_settings_t* callbacks();
  static int on_header_field(llhttp_t* p, const char* at, size_t len);
  static int on_header_field_complete(llhttp_t* p);
  static int on_header_value(llhttp_t* p, const char* at, size_t len);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_message_complete(llhttp_t* p);

  size_t feed_request_line(const char* data, size_t len);
  int start_head();
  size_t feed_fields(const char* data, size_t len);
  size_t feed_body(const char* data, size_t len);
  size_t feed_chunked_body(const char* data, size_t len);
  void start_body();
  int check_head();
  int check_framing(bool transfer_encoding);
  int fail(int status, const char* reason);
  void reset_for_next_message();

  const Limits limits_;  // a copy: small, and no lifetime to think about
  llhttp_t parser_;
  http_syntax::RequestLineReader line_;
  http_syntax::FieldSectionScanner fields_;
  http_syntax::ChunkedDecoder chunked_;
  Request request_;
  Phase phase_ = Phase::kRequestLine;
  bool in_field_name_ = false;  // llhttp is inside a field name: the next span continues it
  bool chunked_body_ = false;
  uint64_t body_left_ = 0;      // Content-Length bytes still to come
  uint64_t body_limit_ = 0;     // this request's
  std::function<uint64_t(const Request&)> body_limit_for_;
  bool started_ = false;
  bool headers_complete_ = false;
  bool message_ready_ = false;
  bool keep_alive_ = false;
  bool force_close_ = false;
  bool upgrade_ = false;
  bool wants_continue_ = false;
  int error_status_ = 0;
  const char* error_reason_ = "";
};

}  // namespace hearth
