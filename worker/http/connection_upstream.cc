// What the upstream proxy (worker/upstream/) needs of a connection beyond a
// deferred reply: interim 1xx heads, a pause in reading a body the upstream
// is slow to take, gzip for a proxied stream, and the tunnel after a 101.
#include <spdlog/spdlog.h>

#include "shared/logging.h"
#include "worker/compress/gzip_encoder.h"
#include "worker/http/access_log_line.h"
#include "worker/http/connection.h"
#include "worker/worker.h"

namespace hearth {

void Connection::reply_interim(ReplyState* state, std::string head) {
  if (state != reply_ || state->streaming || closing_) return;
  out_.push(std::move(head));
  out_.flush();
}

// Reading stops at once (what was read waits in the pending input) and
// starts again with what waited; from inside process_input the loop itself
// goes on.
void Connection::pause_request_body(ReplyState*, bool paused) {
  if (paused == body_paused_) return;
  body_paused_ = paused;
  if (paused) {
    if (reading_) {
      uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
      reading_ = false;
    }
    paused_ = true;
    return;
  }
  if (closing_ || processing_input_) {
    resume_after_input_ = true;
    return;
  }
  resume_input();
}

// The head of a proxied stream decides: the gzip filter's rules, as for an
// answer in memory, and a client that accepts gzip.
void Connection::start_stream_compression() {
  if (!reply_->compress_stream || ex().request.is_head()) return;
  if (!worker_->gzip_filter().start_stream(ex().request, &ex().response)) return;
  stream_gzip_ = std::make_unique<GzipDeflater>(worker_->config().gzip.level);
}

std::string Connection::compress_piece(std::string_view piece, bool last) {
  std::string out;
  bool ok = last ? stream_gzip_->finish(&out) : stream_gzip_->write(piece, true, &out);
  if (!ok) spdlog::error("{} {}: gzip failed on a proxied stream", ex().request.method, ex().request.path);
  return out;
}

bool Connection::reply_upgrade(ReplyState* state, std::string head, UpstreamSocket* socket) {
  if (state != reply_ || closing_ || websocket_) return false;
  state->finish();
  reply_ = nullptr;
  if (access_log_enabled()) access_log(format_access_line(ex().request, 101, 0));
  uv_timer_stop(&timer_);
  timer_mode_ = TimerMode::kNone;
  worker_->idle_connections().remove(this);
  tunnel_ = std::make_unique<ProxyTunnel>(this, socket, worker_->config().websocket.idle_timeout_ms);
  out_.push(std::move(head));
  std::string early;  // what the client sent after its upgrade request
  early.swap(ex().pending_input);
  paused_ = false;
  if (!early.empty()) tunnel_->from_client(early.data(), early.size());
  if (tunnel_ && !reading_ && !closing_) tunnel_read_client(true);
  finish_batch();
  return true;
}

void Connection::on_tunnel_read(ssize_t nread, const char* data) {
  if (nread < 0) {
    close();  // the client left: the tunnel closes with it
    return;
  }
  tunnel_->from_client(data, static_cast<size_t>(nread));
}

void Connection::tunnel_send(std::string bytes) {
  if (closing_) return;
  out_.push(std::move(bytes));
  out_.flush();
}

size_t Connection::tunnel_unsent() const { return out_.memory_bytes(); }

void Connection::tunnel_read_client(bool on) {
  if (closing_ || on == reading_) return;
  if (on) {
    reading_ = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), alloc_cb, read_cb) == 0;
  } else {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
}

// The upstream side closed: what it sent last still goes to the client.
void Connection::tunnel_closed() {
  close_after_write_ = true;
  finish_batch();
}

}  // namespace hearth
