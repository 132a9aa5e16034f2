#include "worker/http/response_writer.h"

#include <charconv>
#include <cstring>
#include <string_view>

namespace hearth {

bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

namespace {

using FieldList = std::vector<std::pair<std::string, std::string>>;

// What the head says besides the app's fields, decided before any byte is
// written, so that the head's size is known and the string grows once.
struct HeadPlan {
  int http_minor = 1;
  char code[3] = {'5', '0', '0'};
  std::string_view reason;
  const std::string* date = nullptr;
  const FieldList* fields = nullptr;
  const FieldList* extra_fields = nullptr;
  std::string_view length_field;  // "Content-Length: ", "Transfer-Encoding: chunked\r\n" or ""
  char length_digits[20];
  size_t length_digits_size = 0;
  std::string_view connection_field;  // "Connection: close\r\n", "Connection: keep-alive\r\n" or ""
};

// The head's byte count (a dry run of compose_head).
struct CountingSink {
  size_t size = 0;
  void put(std::string_view s) { size += s.size(); }
};

// Copies into space already made for the head.
struct CopyingSink {
  char* at;
  void put(std::string_view s) {
    if (s.empty()) return;  // an empty view may hold no pointer: memcpy's is nonnull
    std::memcpy(at, s.data(), s.size());
    at += s.size();
  }
};

template <typename Sink>
void put_field(Sink& sink, std::string_view name, std::string_view value) {
  sink.put(name);
  sink.put(": ");
  sink.put(value);
  sink.put("\r\n");
}

template <typename Sink>
void compose_head(const HeadPlan& plan, Sink& sink) {
  // "HTTP/1.x NNN Reason\r\n" by hand: snprintf was 8 % of the
  // instructions of a cached static response (callgrind).
  sink.put(plan.http_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  sink.put(std::string_view(plan.code, 3));
  sink.put(" ");
  sink.put(plan.reason);
  sink.put("\r\nServer: hearth\r\n");
  if (plan.date != nullptr) put_field(sink, "Date", *plan.date);
  for (const auto& field : *plan.fields) put_field(sink, field.first, field.second);
  if (plan.extra_fields != nullptr) {
    for (const auto& field : *plan.extra_fields) put_field(sink, field.first, field.second);
  }
  sink.put(plan.length_field);
  if (plan.length_digits_size != 0) {
    sink.put(std::string_view(plan.length_digits, plan.length_digits_size));
    sink.put("\r\n");
  }
  sink.put(plan.connection_field);
  sink.put("\r\n");
}

void plan_status(int status, HeadPlan* plan) {
  if (status < 100 || status > 999) status = 500;
  plan->code[0] = char('0' + status / 100);
  plan->code[1] = char('0' + status / 10 % 10);
  plan->code[2] = char('0' + status % 10);
  plan->reason = status_reason(status);
}

// True when the app set Content-Length or Transfer-Encoding itself: one
// pass, not a Headers::has() each.
bool has_framing_field(const FieldList& fields) {
  for (const auto& field : fields) {
    size_t n = field.first.size();
    if ((n == 14 && iequals(field.first, "Content-Length")) || (n == 17 && iequals(field.first, "Transfer-Encoding"))) {
      return true;
    }
  }
  return false;
}

void plan_length(const Response& res, bool streamed, int http_minor, HeadPlan* plan) {
  if (!status_has_body(res.status) || has_framing_field(res.headers.fields())) return;
  if (!streamed) {
    plan->length_field = "Content-Length: ";
    // A stack buffer: no std::to_string temporary.
    auto result = std::to_chars(plan->length_digits, plan->length_digits + sizeof plan->length_digits, res.body_length());
    plan->length_digits_size = static_cast<size_t>(result.ptr - plan->length_digits);
  } else if (http_minor >= 1) {
    plan->length_field = "Transfer-Encoding: chunked\r\n";
  }
}

}  // namespace

void serialize_head(const Response& res, ResponseContext* ctx, std::string* out) {
  bool streamed = has_body_stream(res) || ctx->streamed_body;
  if (streamed && ctx->http_minor == 0) ctx->keep_alive = false;
  if (res.close_connection) ctx->keep_alive = false;

  HeadPlan plan;
  plan.http_minor = ctx->http_minor;
  plan_status(res.status, &plan);
  plan.date = ctx->date;
  plan.fields = &res.headers.fields();
  plan.extra_fields = ctx->extra_headers;
  plan_length(res, streamed, ctx->http_minor, &plan);
  if (!ctx->keep_alive) {
    plan.connection_field = "Connection: close\r\n";
  } else if (ctx->http_minor == 0) {
    plan.connection_field = "Connection: keep-alive\r\n";
  }

  CountingSink count;
  compose_head(plan, count);
  size_t start = out->size();
  out->resize(start + count.size);  // one growth at most; write_response reserved it already
  CopyingSink copy{&(*out)[start]};
  compose_head(plan, copy);
}

uint64_t write_response(Response& res, ResponseContext* ctx, OutputQueue* out) {
  std::string head = OutputQueue::take_buffer();
  head.reserve(512 + res.body_bytes().size());  // a typical head is 200-300 bytes
  serialize_head(res, ctx, &head);
  bool send_body = !ctx->head_request && status_has_body(res.status);
  if (!send_body) {
    out->push(std::move(head));
    return 0;
  }
  uint64_t length = res.body_length();
  if (has_body_stream(res)) {
    out->push(std::move(head));
    out->push_stream(std::move(res.engine_body->stream), ctx->http_minor >= 1);
  } else if (!has_engine_body(res)) {
    head += res.body_bytes();  // one buffer: one write for head and body
    out->push(std::move(head));
  } else {
    out->push(std::move(head));
    for (BodyPart& part : res.engine_body->parts) {
      if (part.is_file()) {
        out->push_file(part.file, part.offset, part.length);
      } else {
        out->push(std::move(part.data));
      }
    }
  }
  return length;
}

}  // namespace hearth
