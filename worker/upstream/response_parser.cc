#include "worker/upstream/response_parser.h"

namespace hearth {

namespace {

UpstreamResponseParser* self(llhttp_t* p) { return static_cast<UpstreamResponseParser*>(p->data); }

}  // namespace

UpstreamResponseParser::UpstreamResponseParser(size_t max_head_bytes) : max_head_bytes_(max_head_bytes) {
  llhttp_settings_init(&settings_);
  settings_.on_status = on_status;
  settings_.on_header_field = on_header_field;
  settings_.on_header_value = on_header_value;
  settings_.on_headers_complete = on_headers_complete;
  settings_.on_body = on_body;
  settings_.on_message_complete = on_message_complete;
}

void UpstreamResponseParser::start(bool head_request, Events* events) {
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  parser_.data = this;
  events_ = events;
  head_request_ = head_request;
  head_seen_ = complete_ = keep_alive_ = any_byte_ = false;
  error_.clear();
  begin_message();
}

void UpstreamResponseParser::begin_message() {
  head_ = UpstreamHead();
  field_.clear();
  value_.clear();
  in_value_ = false;
  head_bytes_ = 0;
  interim_ = false;
}

size_t UpstreamResponseParser::feed(const char* data, size_t len) {
  if (complete_ || failed() || len == 0) return 0;
  any_byte_ = true;
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if (err == HPE_OK) return len;
  size_t used = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) return used;
  if (error_.empty()) error_ = llhttp_get_error_reason(&parser_) ? llhttp_get_error_reason(&parser_) : "bad response";
  return used;
}

bool UpstreamResponseParser::finish() {
  if (complete_) return true;
  if (failed() || !head_seen_) return false;
  if (llhttp_finish(&parser_) != HPE_OK && !complete_) return false;
  return complete_;
}

int UpstreamResponseParser::count_head_bytes(size_t len) {
  head_bytes_ += len;
  if (head_bytes_ <= max_head_bytes_) return 0;
  error_ = "response head too large";
  return -1;
}

int UpstreamResponseParser::on_status(llhttp_t* p, const char*, size_t len) { return self(p)->count_head_bytes(len); }

int UpstreamResponseParser::on_header_field(llhttp_t* p, const char* at, size_t len) {
  UpstreamResponseParser* s = self(p);
  if (s->in_value_) {
    s->head_.headers.add(s->field_, s->value_);
    s->field_.clear();
    s->value_.clear();
    s->in_value_ = false;
  }
  s->field_.append(at, len);
  return s->count_head_bytes(len);
}

int UpstreamResponseParser::on_header_value(llhttp_t* p, const char* at, size_t len) {
  UpstreamResponseParser* s = self(p);
  s->in_value_ = true;
  s->value_.append(at, len);
  return s->count_head_bytes(len);
}

// A 1xx other than 101 is passed on and parsing goes on with the next head;
// the final head tells whether a body follows.
int UpstreamResponseParser::on_headers_complete(llhttp_t* p) {
  UpstreamResponseParser* s = self(p);
  if (s->in_value_ || !s->field_.empty()) s->head_.headers.add(s->field_, s->value_);
  UpstreamHead& head = s->head_;
  head.status = p->status_code;
  head.http_minor = p->http_minor;
  head.chunked = (p->flags & F_CHUNKED) != 0;
  head.has_length = (p->flags & F_CONTENT_LENGTH) != 0 && !head.chunked;
  head.length = head.has_length ? p->content_length : 0;
  if (head.status >= 100 && head.status < 200 && head.status != 101) {
    s->interim_ = true;
    s->events_->on_interim(head);
    return 0;
  }
  s->head_seen_ = true;
  s->events_->on_head(head);
  if (head.status == 101) return 2;  // no body, and what follows is the tunnel's
  return s->head_request_ ? 1 : 0;
}

int UpstreamResponseParser::on_body(llhttp_t* p, const char* at, size_t len) {
  self(p)->events_->on_body(std::string_view(at, len));
  return 0;
}

int UpstreamResponseParser::on_message_complete(llhttp_t* p) {
  UpstreamResponseParser* s = self(p);
  if (s->interim_) {
    s->begin_message();
    return 0;
  }
  s->complete_ = true;
  s->keep_alive_ = llhttp_should_keep_alive(p) != 0 && s->head_.status != 101;
  s->events_->on_complete();
  return HPE_PAUSED;
}

}  // namespace hearth
