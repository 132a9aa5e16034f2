// Parses what an upstream answers to one request (llhttp in response mode):
// interim 1xx heads, the final head, the body as decoded pieces (chunked
// framing removed), and its end. The caller learns each through Events.
#pragma once

#include <llhttp.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <hearth/headers.h>

namespace hearth {

struct UpstreamHead {
  int status = 0;
  int http_minor = 1;
  Headers headers;
  bool has_length = false;  // Content-Length given (and no chunked coding)
  uint64_t length = 0;
  bool chunked = false;
};

class UpstreamResponseParser {
 public:
  class Events {
   public:
    virtual ~Events() = default;
    virtual void on_interim(const UpstreamHead& head) = 0;  // 1xx other than 101
    virtual void on_head(const UpstreamHead& head) = 0;     // the final head (or 101)
    virtual void on_body(std::string_view piece) = 0;
    virtual void on_complete() = 0;
  };

  explicit UpstreamResponseParser(size_t max_head_bytes = 64 * 1024);
  UpstreamResponseParser(const UpstreamResponseParser&) = delete;
  UpstreamResponseParser& operator=(const UpstreamResponseParser&) = delete;

  // Before each request's response. `head_request`: the answer has no body.
  void start(bool head_request, Events* events);
  // Feeds bytes; returns how many were used. Stops after the final message
  // (or a 101 head): the rest belongs to the next response or the tunnel.
  // The events may run inside; after on_complete nothing more is parsed.
  size_t feed(const char* data, size_t len);
  // The upstream closed: a body delimited by the close ends now. False
  // when the response was cut short (or never began).
  bool finish();

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  bool head_seen() const { return head_seen_; }
  bool complete() const { return complete_; }
  // After complete(): the connection may carry another request.
  bool keep_alive() const { return keep_alive_; }
  // Bytes of any response seen (an interim head counts): the upstream has
  // begun to answer.
  bool any_byte() const { return any_byte_; }

 private:
  static int on_status(llhttp_t* p, const char* at, size_t len);
  static int on_header_field(llhttp_t* p, const char* at, size_t len);
  static int on_header_value(llhttp_t* p, const char* at, size_t len);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t len);
  static int on_message_complete(llhttp_t* p);
  int count_head_bytes(size_t len);
  void begin_message();

  llhttp_settings_t settings_;
  llhttp_t parser_;
  Events* events_ = nullptr;
  UpstreamHead head_;
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  size_t head_bytes_ = 0;
  const size_t max_head_bytes_;
  bool head_request_ = false;
  bool head_seen_ = false;
  bool interim_ = false;
  bool complete_ = false;
  bool keep_alive_ = false;
  bool any_byte_ = false;
  std::string error_;
};

}  // namespace hearth
