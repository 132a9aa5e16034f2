#include "worker/websocket/websocket_link.h"

#include "worker/http/listener.h"

#include <algorithm>

#include "shared/logging.h"
#include "worker/http/access_log_line.h"
#include "worker/http/connection.h"
#include "worker/http/path_normalize.h"
#include "worker/websocket/channels.h"
#include "worker/websocket/handshake.h"
#include "worker/worker.h"

namespace hearth {

namespace {

WebSocketLimits limits_for(const Config& config, const WebSocketRoute* route) {
  WebSocketLimits limits;
  limits.max_message_bytes = route->max_message_bytes != 0 ? route->max_message_bytes
                                                            : config.websocket.max_message_bytes;
  limits.send_buffer_bytes = config.websocket.send_buffer_bytes;
  return limits;
}

}  // namespace

// A Connection member, defined here so that the HTTP engine only names the
// WebSocket code at its hand-over points.
bool Connection::upgrade_to_websocket(Request& req, const char* rest, size_t len) {
  if (listener_->config().redirect_to_https) return false;  // answered with the 301
  std::string path;
  if (!normalize_path(req.path, &path)) return false;
  const WebSocketRoute* route = worker_->router().websocket_route(path);
  if (route == nullptr) return false;
  std::string key;
  Response rejection;
  // A bad handshake goes on to dispatch, which answers it with 400/426.
  if (!check_websocket_upgrade(req, &key, &rejection)) return false;

  worker_->count_request();
  requests_++;
  stamp(req);
  if (access_log_enabled()) access_log(format_access_line(req, 101, 0));
  ex().pending_input.clear();
  paused_ = false;
  if (!reading_) {
    reading_ = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), alloc_cb, read_cb) == 0;
  }
  websocket_ = std::make_unique<WebSocketLink>(this, route, path);
  websocket_->start(key, rest, len);
  if (draining_) websocket_->drain();
  return true;
}

WebSocketLink::WebSocketLink(Connection* conn, const WebSocketRoute* route, const std::string& path)
    : conn_(conn),
      session_(route, limits_for(conn->worker_->config(), route), path, conn->remote_addr_,
               [this](std::string_view bytes) { write(bytes); }, [this] { on_session_end(); }),
      idle_timeout_ms_(std::max<uint64_t>(conn->worker_->config().websocket.idle_timeout_ms, 20)) {}

WebSocketLink::~WebSocketLink() { forget_subscriptions(session_); }

void WebSocketLink::start(std::string_view key, const char* rest, size_t len) {
  last_read_ms_ = uv_now(conn_->worker_->loop());
  session_.start(key);
  if (len > 0) session_.feed(rest, len);
  update_timer();
}

void WebSocketLink::on_read(ssize_t nread, const char* data) {
  if (nread < 0) {
    session_.eof();  // on_close(1006) unless the closing handshake already ended
    conn_->close();
    return;
  }
  last_read_ms_ = uv_now(conn_->worker_->loop());
  ping_outstanding_ = false;  // any byte shows the client is there
  session_.feed(data, static_cast<size_t>(nread));
  update_timer();
}

void WebSocketLink::write(std::string_view bytes) {
  if (conn_->closing_) return;
  if (conn_->out_.write(bytes)) sync_written();
  conn_->publish_handover_state();  // between frames again once the socket took it all
  update_timer();
}

// The output queue forgets bytes once the socket took them (or once they are
// handed to libuv as its one bounded in-flight chunk): tell the session.
void WebSocketLink::sync_written() {
  size_t unwritten = conn_->out_.memory_bytes();
  size_t buffered = session_.buffered_bytes();
  if (buffered > unwritten) session_.written(buffered - unwritten);
}

void WebSocketLink::on_output_drained() {
  sync_written();
  if (session_.wants_close()) finish_if_flushed();
}

void WebSocketLink::on_session_end() {
  finish_if_flushed();
  update_timer();
}

// The protocol is over: once everything is written, the server closes TCP
// first (RFC 6455 7.1.1), reading what the client still sends for a moment.
void WebSocketLink::finish_if_flushed() {
  if (finished_ || conn_->closing_ || !conn_->out_.empty()) return;
  finished_ = true;
  conn_->lingering_close();
}

void WebSocketLink::drain() {
  if (!session_.is_open()) return;
  drain_pending_ = true;
  update_timer();
}

WebSocketLink::TimerState WebSocketLink::wanted_timer() const {
  if (session_.wants_close()) return TimerState::kFlush;
  if (session_.closing()) return TimerState::kClosing;
  if (drain_pending_) return TimerState::kDrain;
  return TimerState::kIdle;
}

// Re-arms the connection's timer when the state changed; the idle timer is
// periodic and armed again by on_timer.
void WebSocketLink::update_timer() {
  if (finished_ || conn_->closing_) return;
  TimerState wanted = wanted_timer();
  if (wanted == timer_state_) return;
  timer_state_ = wanted;
  uint64_t ms = idle_timeout_ms_ / 2;
  switch (wanted) {
    case TimerState::kFlush:
    case TimerState::kClosing: ms = kCloseTimeoutMs; break;
    case TimerState::kDrain:
      ms = std::min<uint64_t>(kDrainGraceMs, conn_->worker_->config().supervisor.shutdown_timeout_ms / 4);
      break;
    case TimerState::kIdle:
    case TimerState::kNone: break;
  }
  conn_->set_timer(Connection::TimerMode::kWebSocket, ms, true);
}

void WebSocketLink::on_timer() {
  switch (timer_state_) {
    case TimerState::kFlush:    // the client stopped reading our last bytes
    case TimerState::kClosing:  // the client never answered our close frame
      session_.abort();
      conn_->close();
      return;
    case TimerState::kDrain:
      drain_pending_ = false;
      session_.close(ws_close::kGoingAway, "server going away");
      update_timer();
      return;
    case TimerState::kIdle:
    case TimerState::kNone:
      break;
  }
  // A ping goes out once the client was silent for about half the idle
  // timeout; a client that lets a whole period pass without a byte after it
  // is gone. (Timers may fire a little early or late: allow 1/8 period.)
  uint64_t now = uv_now(conn_->worker_->loop());
  uint64_t period = idle_timeout_ms_ / 2;
  uint64_t slack = period / 8;
  if (ping_outstanding_ && now - ping_sent_ms_ + slack >= period) {
    session_.abort();
    conn_->close();
    return;
  }
  if (!ping_outstanding_ && now - last_read_ms_ + slack >= period) {
    session_.ping();  // even unsent (send buffer full), the clock runs
    ping_outstanding_ = true;
    ping_sent_ms_ = now;
  }
  timer_state_ = TimerState::kNone;  // arm the next period
  update_timer();
}

}  // namespace hearth
