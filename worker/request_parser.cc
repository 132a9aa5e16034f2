#include "worker/request_parser.h"

#include <cctype>
#include <cstring>

namespace hearth {

namespace {

RequestParser* self(http_parser* p) { return static_cast<RequestParser*>(p->data); }

// Splits the request-target into path and query without decoding either.
void split_target(const std::string& target, std::string* path, std::string* query) {
  size_t start = 0;
  // absolute-form "http://host/path": keep only the path.
  if (target.compare(0, 7, "http://") == 0 || target.compare(0, 8, "https://") == 0) {
    size_t slash = target.find('/', target.find("//") + 2);
    start = slash == std::string::npos ? target.size() : slash;
  }
  size_t q = target.find('?', start);
  size_t end = target.find('#', start);
  if (q != std::string::npos && (end == std::string::npos || q < end)) {
    *path = target.substr(start, q - start);
    *query = target.substr(q + 1, end == std::string::npos ? std::string::npos : end - q - 1);
  } else {
    *path = target.substr(start, end == std::string::npos ? std::string::npos : end - start);
    query->clear();
  }
  if (path->empty()) *path = "/";
}

bool is_token_method(const char* data, size_t len) {
  size_t n = 0;
  while (n < len && data[n] != ' ') {
    if (!std::isupper(static_cast<unsigned char>(data[n])) && data[n] != '-' && data[n] != '_') return false;
    n++;
  }
  return n > 0 && n < len;
}

}  // namespace

RequestParser::RequestParser(const Limits& limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = on_message_begin;
  settings_.on_url = on_url;
  settings_.on_header_field = on_header_field;
  settings_.on_header_value = on_header_value;
  settings_.on_headers_complete = on_headers_complete;
  settings_.on_body = on_body;
  settings_.on_message_complete = on_message_complete;
}

size_t RequestParser::feed(const char* data, size_t len) {
  if (error_status_ != 0 || message_ready_) return 0;
  size_t n = http_parser_execute(&parser_, &settings_, data, len);
  enum http_errno err = HTTP_PARSER_ERRNO(&parser_);
  if (err == HPE_PAUSED) {
    http_parser_pause(&parser_, 0);
  } else if (err != HPE_OK && error_status_ == 0) {
    error_status_ = status_for_parser_error(data, len);
    error_reason_ = http_errno_description(err);
  }
  return n;
}

Request RequestParser::take_request() {
  Request out;
  take_request(&out);
  return out;
}

void RequestParser::take_request(Request* into) {
  std::swap(*into, request_);
  reset_for_next_message();
}

void RequestParser::reset_for_next_message() {
  request_.clear();
  field_.clear();
  reading_value_ = false;
  head_bytes_ = 0;
  started_ = headers_complete_ = message_ready_ = wants_continue_ = false;
}

int RequestParser::fail(int status, const char* reason) {
  error_status_ = status;
  error_reason_ = reason;
  return -1;
}

// A parser error that our callbacks did not raise: pick the answer nginx would.
int RequestParser::status_for_parser_error(const char* data, size_t len) const {
  switch (HTTP_PARSER_ERRNO(&parser_)) {
    case HPE_HEADER_OVERFLOW:
      return 431;
    case HPE_INVALID_METHOD:
      // A well-formed but unknown method is "not implemented"; binary junk is a bad request.
      return is_token_method(data, len) ? 501 : 400;
    case HPE_INVALID_VERSION:
      return 505;
    default:
      return 400;
  }
}

bool RequestParser::count_head_bytes(size_t n) {
  head_bytes_ += n;
  return head_bytes_ <= limits_.header_bytes;
}

int RequestParser::on_message_begin(http_parser* p) {
  RequestParser* rp = self(p);
  rp->started_ = true;
  return 0;
}

int RequestParser::on_url(http_parser* p, const char* at, size_t len) {
  RequestParser* rp = self(p);
  rp->request_.target.append(at, len);
  if (rp->request_.target.size() > rp->limits_.request_line_bytes) return rp->fail(414, "request line too long");
  if (!rp->count_head_bytes(len)) return rp->fail(414, "request line too long");
  return 0;
}

int RequestParser::on_header_field(http_parser* p, const char* at, size_t len) {
  RequestParser* rp = self(p);
  if (!rp->count_head_bytes(len + 4)) return rp->fail(431, "header too large");
  if (rp->reading_value_) {
    rp->field_.clear();
    rp->reading_value_ = false;
  }
  rp->field_.append(at, len);
  return 0;
}

int RequestParser::on_header_value(http_parser* p, const char* at, size_t len) {
  RequestParser* rp = self(p);
  if (!rp->count_head_bytes(len)) return rp->fail(431, "header too large");
  auto& fields = rp->request_.headers.fields();
  if (!rp->reading_value_) {
    fields.emplace_back(rp->field_, std::string());
    rp->reading_value_ = true;
  }
  fields.back().second.append(at, len);
  return 0;
}

int RequestParser::on_headers_complete(http_parser* p) {
  RequestParser* rp = self(p);
  rp->headers_complete_ = true;
  Request& req = rp->request_;
  req.method = http_method_str(static_cast<http_method>(p->method));
  req.http_major = p->http_major;
  req.http_minor = p->http_minor;
  split_target(req.target, &req.path, &req.query);
  int status = rp->check_head();
  if (status != 0) return rp->fail(status, "bad request head");
  return 0;
}

// Checks what the parser accepts but HTTP/1.1 forbids, or our limits refuse.
int RequestParser::check_head() {
  const Request& req = request_;
  if (req.http_major != 1) return 505;
  if (req.http_minor >= 1 && !req.headers.has("Host")) return 400;
  if (req.headers.has("Transfer-Encoding") && req.headers.has("Content-Length")) return 400;
  if (req.target.empty() || (req.target[0] != '/' && req.target.compare(0, 4, "http") != 0 && req.target != "*"))
    return 400;
  if ((parser_.flags & F_CONTENTLENGTH) && parser_.content_length > limits_.body_bytes) return 413;
  const std::string* expect = req.headers.find("Expect");
  if (expect != nullptr) {
    if (!iequals(*expect, "100-continue")) return 417;
    wants_continue_ = req.http_minor >= 1;
  }
  return 0;
}

int RequestParser::on_body(http_parser* p, const char* at, size_t len) {
  RequestParser* rp = self(p);
  if (rp->request_.body.size() + len > rp->limits_.body_bytes) return rp->fail(413, "body too large");
  rp->request_.body.append(at, len);
  return 0;
}

int RequestParser::on_message_complete(http_parser* p) {
  RequestParser* rp = self(p);
  rp->message_ready_ = true;
  rp->keep_alive_ = http_should_keep_alive(p) != 0;
  rp->upgrade_ = p->upgrade != 0;
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace hearth
