// The one place that touches libhttp-parser: turns bytes from a connection
// into Request objects, enforcing the configured size limits.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>

#include "shared/config.h"
#include "worker/request.h"

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
  // Keep-alive as the request asked (HTTP/1.0 needs "Connection: keep-alive").
  bool keep_alive() const { return keep_alive_; }
  // The request asked for a protocol upgrade; bytes after it are not HTTP.
  bool upgrade() const { return upgrade_; }
  // Headers are in and the client waits for "100 Continue" before the body.
  bool wants_continue() const { return wants_continue_ && !message_ready_; }
  void continue_sent() { wants_continue_ = false; }
  // Some bytes of a request have arrived but the header is not complete.
  bool reading_head() const { return started_ && !headers_complete_; }
  bool reading_body() const { return headers_complete_ && !message_ready_; }
  bool idle() const { return !started_; }

 private:
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, size_t len);
  static int on_header_field(http_parser* p, const char* at, size_t len);
  static int on_header_value(http_parser* p, const char* at, size_t len);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, size_t len);
  static int on_message_complete(http_parser* p);

  int fail(int status, const char* reason);
  bool count_head_bytes(size_t n);
  int check_head();
  int status_for_parser_error(const char* data, size_t len) const;
  void reset_for_next_message();

  const Limits limits_;  // a copy: small, and no lifetime to think about
  http_parser parser_;
  http_parser_settings settings_;
  Request request_;
  std::string field_;             // header name being read
  bool reading_value_ = false;
  size_t head_bytes_ = 0;
  bool started_ = false;
  bool headers_complete_ = false;
  bool message_ready_ = false;
  bool keep_alive_ = false;
  bool upgrade_ = false;
  bool wants_continue_ = false;
  int error_status_ = 0;
  const char* error_reason_ = "";
};

}  // namespace hearth
