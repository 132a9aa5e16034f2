// The WebSocket mode of an HTTP connection. After a valid upgrade request the
// Connection keeps its socket, output queue and timer (so the worker still
// counts, drains and stops it like any connection) but hands its reads,
// drained-output events, timer and drain to this link, which runs the
// WebSocketSession over them.
//
// Timers (one at a time, on the connection's timer):
//   open       every idle_timeout/2: ping when the client was silent that long;
//              drop it (1006) when the ping got no byte back within a period,
//              so a dead client goes between 1x and 1.5x idle_timeout
//   draining   after kDrainGraceMs: close 1001 (going away)
//   closing    a close frame went out: the client has kCloseTimeoutMs to answer
//   ended      the output has kCloseTimeoutMs to flush (a client that stopped
//              reading), then the TCP connection is closed regardless
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "worker/websocket/session.h"

namespace hearth {

class Connection;

class WebSocketLink {
 public:
  static constexpr uint64_t kDrainGraceMs = 1000;
  static constexpr uint64_t kCloseTimeoutMs = 5000;

  WebSocketLink(Connection* conn, const WebSocketRoute* route, const std::string& path);
  // Leaves every broadcast channel: none keeps a pointer to this socket.
  ~WebSocketLink();
  WebSocketLink(const WebSocketLink&) = delete;
  WebSocketLink& operator=(const WebSocketLink&) = delete;

  // Writes the 101, runs on_open, then feeds `rest` (bytes after the request).
  void start(std::string_view key, const char* rest, size_t len);

  // The connection's events, forwarded.
  void on_read(ssize_t nread, const char* data);
  void on_output_drained();
  void on_timer();
  // Graceful stop of the worker: close 1001 after the grace period.
  void drain();

  WebSocketSession& session() { return session_; }

 private:
  enum class TimerState { kNone, kIdle, kDrain, kClosing, kFlush };

  void write(std::string_view bytes);
  void sync_written();
  void on_session_end();
  void finish_if_flushed();
  TimerState wanted_timer() const;
  void update_timer();

  Connection* conn_;
  WebSocketSession session_;
  uint64_t idle_timeout_ms_;
  uint64_t last_read_ms_ = 0;
  uint64_t ping_sent_ms_ = 0;
  bool ping_outstanding_ = false;
  TimerState timer_state_ = TimerState::kNone;
  bool drain_pending_ = false;
  bool finished_ = false;  // lingering close started
};

}  // namespace hearth
