// A connection's deferred replies (<hearth/reply.h>): the exchange stays
// open after the handler returned, the requests behind it wait (answers
// leave in request order), and it ends in one of five ways: sent, streamed
// to its end, dropped unanswered (500), past its deadline (504), or cut by
// the client leaving or the server stopping (503).
#include <spdlog/spdlog.h>

#include <cstdio>

#include "shared/logging.h"
#include "worker/http/access_log_line.h"
#include "worker/http/connection.h"
#include "worker/http/dispatch.h"
#include "worker/http/error_page.h"
#include "worker/worker.h"

namespace hearth {

namespace {

// A streaming writer is told to wait once this much is queued unsent.
constexpr size_t kStreamHighWater = 64 * 1024;

std::string chunk_frame(std::string_view data) {
  char size[24];
  int n = snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<size_t>(n) + data.size() + 2);
  out.append(size, static_cast<size_t>(n)).append(data).append("\r\n");
  return out;
}

}  // namespace

void Connection::reply_created(ReplyState* state) {
  live_replies_++;
  reply_ = state;
  reply_dropped_ = false;
  uint64_t timeout = state->timeout_ms != 0 ? state->timeout_ms : worker_->config().app.reply_timeout_ms;
  reply_deadline_ = uv_now(worker_->loop()) + timeout;
  stream_bytes_ = 0;
  stream_gzip_.reset();
}

// The handler returned: answer now, unless its reply is still open.
void Connection::after_dispatch() {
  if (reply_ != nullptr && reply_->over()) reply_ = nullptr;  // sent before returning
  if (closing_) return;
  if (reply_ != nullptr) {
    keep_request_for_replay();
    return;
  }
  if (exchange_written_) {
    if (!stream_ended_) close();  // a stream the handler started, then threw
    return;
  }
  if (reply_dropped_) {
    reply_dropped_ = false;
    spdlog::error("{} {}: its Reply was dropped without an answer; answered 500", ex().request.method, ex().request.path);
    ex().start_response();
    error_page(&ex().request, 500, &ex().response);
  }
  write_answer();
}

void Connection::reply_send(ReplyState* state) {
  if (state != reply_ || state->over()) return;
  state->finish();
  if (in_dispatch_) return;  // answered when the handler returns
  complete_reply();
  if (state->from_upstream) {
    worker_->gzip_filter().apply(ex().request, &ex().response);  // the app's answer as it came
  } else {
    complete_app_response(*worker_, ex().request, &ex().response);
  }
  write_answer();
  finish_batch();
}

// The exchange is over: the requests behind it may be answered now.
void Connection::complete_reply() {
  reply_ = nullptr;
  forget_replay();
  timer_mode_ = TimerMode::kNone;  // the next update_timer() sets a fresh one
}

bool Connection::reply_write(ReplyState* state, std::string_view chunk) {
  if (state != reply_ || state->over() || closing_) return false;
  if (!state->streaming) start_reply_stream();
  if (closing_) return false;
  if (!chunk.empty() && !ex().request.is_head() && status_has_body(ex().response.status)) {
    std::string compressed;
    if (stream_gzip_) {
      compressed = compress_piece(chunk, false);
      chunk = compressed;
    }
    stream_bytes_ += chunk.size();
    if (!chunk.empty()) out_.push(stream_chunked_ ? chunk_frame(chunk) : std::string(chunk));
  }
  if (!in_dispatch_) finish_batch();
  if (out_.memory_bytes() < kStreamHighWater) return true;
  state->wants_writable = true;
  return false;
}

// The head of a streamed body: no Content-Length; chunked in HTTP/1.1,
// delimited by closing in 1.0. A proxied one may be gzipped on the way.
void Connection::start_reply_stream() {
  reply_->streaming = true;
  exchange_written_ = true;
  if (!app_headers_are_well_formed(ex().response.headers)) {
    spdlog::error("handler for {} {} set a header with a character HTTP forbids; answered 500", ex().request.method,
                  ex().request.path);
    reply_->abort(true);
    ex().start_response();
    error_page(&ex().request, 500, &ex().response);
    ex().response.close_connection = true;
    write_answer();
    stream_ended_ = true;
    if (!in_dispatch_) {
      complete_reply();
      finish_batch();
    }
    return;
  }
  start_stream_compression();
  ResponseContext ctx = response_context();
  ctx.streamed_body = true;
  std::string head;
  serialize_head(ex().response, &ctx, &head);
  stream_keep_alive_ = ctx.keep_alive;
  stream_chunked_ = ctx.http_minor >= 1 && status_has_body(ex().response.status) &&
                    !ex().response.headers.has("Content-Length") && !ex().response.headers.has("Transfer-Encoding");
  out_.push(std::move(head));
}

void Connection::reply_end(ReplyState* state) {
  if (state != reply_ || state->over()) return;
  if (!state->streaming) start_reply_stream();  // nothing written: an empty body
  if (state->over()) return;                    // refused its headers
  state->finish();
  stream_ended_ = true;
  if (stream_gzip_) {
    std::string tail = compress_piece({}, true);
    stream_bytes_ += tail.size();
    if (!tail.empty()) out_.push(stream_chunked_ ? chunk_frame(tail) : tail);
    stream_gzip_.reset();
  }
  if (stream_chunked_ && !ex().request.is_head()) out_.push("0\r\n\r\n");
  if (!stream_keep_alive_) close_after_write_ = true;
  if (access_log_enabled()) access_log(format_access_line(ex().request, ex().response.status, stream_bytes_));
  if (in_dispatch_) return;
  complete_reply();
  finish_batch();
}

void Connection::reply_failed(ReplyState* state) {
  if (state != reply_) return;
  state->abort(true);
  reply_ = nullptr;
  close();
}

void Connection::reply_released(ReplyState* state) {
  live_replies_--;
  if (state == reply_) {
    bool streaming = state->streaming;
    reply_ = nullptr;
    if (in_dispatch_) {
      reply_dropped_ = !state->over();
    } else if (!state->over() && streaming) {
      spdlog::error("{} {}: its Reply was dropped before the stream ended; closed", ex().request.method, ex().request.path);
      close();
    } else if (!state->over()) {
      spdlog::error("{} {}: its Reply was dropped without an answer; answered 500", ex().request.method, ex().request.path);
      ex().start_response();
      error_page(&ex().request, 500, &ex().response);
      write_answer();
      finish_batch();
    }
  }
  if (!handles_closed_) release_exchange_if_idle();
  delete_when_unreferenced();
}

void Connection::set_reply_timer() {
  if (reply_->streaming) {  // the app's pace from here; the send timer covers slow readers
    uv_timer_stop(&timer_);
    timer_mode_ = TimerMode::kNone;
    worker_->idle_connections().remove(this);
    return;
  }
  uint64_t now = uv_now(worker_->loop());
  uint64_t left = reply_deadline_ > now ? reply_deadline_ - now : 1;
  set_timer(TimerMode::kReply, left, timer_mode_ != TimerMode::kReply);
}

void Connection::reply_timed_out() {
  uint64_t timeout = reply_->timeout_ms != 0 ? reply_->timeout_ms : worker_->config().app.reply_timeout_ms;
  spdlog::warn("{} {}: no reply after {} ms; answered 504", ex().request.method, ex().request.path, timeout);
  answer_for_the_app(504);
  finish_batch();
}

// The server answers in the app's place (504, 503): the reply is over and
// its on_abort runs. The app may still hold `res`, so this connection
// answers nothing more.
void Connection::answer_for_the_app(int status) {
  ReplyState* state = reply_;
  complete_reply();
  state->abort();
  ex().start_response();
  error_page(&ex().request, status, &ex().response);
  ex().response.close_connection = true;
  write_answer();
}

void Connection::abort_reply() {
  if (reply_ == nullptr) return;
  ReplyState* state = reply_;
  reply_ = nullptr;
  state->abort();
}

void Connection::close_for_shutdown() {
  if (reply_ != nullptr && !reply_->streaming && !closing_) {
    spdlog::warn("{} {}: no reply before the shutdown deadline; answered 503", ex().request.method, ex().request.path);
    answer_for_the_app(503);
    out_.flush();  // as much as the socket takes now
  }
  close();
}

void Connection::notify_writable() {
  if (reply_ == nullptr || closing_ || !reply_->wants_writable || out_.memory_bytes() >= kStreamHighWater) return;
  reply_->wants_writable = false;
  if (!reply_->on_writable) return;
  std::function<void()> callback = reply_->on_writable;  // it may replace itself
  run_app_callback(reply_->weak_from_this(), "on_writable", callback);
}

}  // namespace hearth
