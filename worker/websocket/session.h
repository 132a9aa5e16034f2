// The server side of one WebSocket connection after a valid upgrade request:
// websocketpp (config::core, iostream transport, no asio, no threads) runs the
// protocol; this class feeds it the bytes the socket read and hands its output
// to a callback the connection writes to the socket. No websocketpp type
// appears here: only session.cc includes it.
//
// Re-entrancy: the route's callbacks and the output callback run inside
// start(), feed(), eof(), abort() and the WebSocket methods. Never destroy
// the session from inside one of them; check wants_close() after the call.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <hearth/websocket.h>

namespace hearth {

class WebSocketSession : public WebSocket {
 public:
  // Receives output bytes, in order, to be written to the socket as they are
  // (the view is valid only during the call). The connection reports each
  // completed write with written(). Output made while feed() runs comes as
  // one call at its end, so the answers to a read go out in one write.
  using Output = std::function<void(std::string_view bytes)>;

  // `route` must outlive the session (routes live in the worker's router).
  // `on_end` runs when wants_close() becomes true, possibly inside a send()
  // made by another connection's callback: the connection schedules its close.
  WebSocketSession(const WebSocketRoute* route, WebSocketLimits limits, std::string path,
                   std::string remote_addr, Output output, std::function<void()> on_end = {});
  // Reports on_close(1006) if the socket was opened and never reported closed.
  ~WebSocketSession() override;
  WebSocketSession(const WebSocketSession&) = delete;
  WebSocketSession& operator=(const WebSocketSession&) = delete;

  // Answers the upgrade request whose Sec-WebSocket-Key is `key` (a request
  // that passed check_websocket_upgrade): writes the 101 response, then calls
  // on_open. Feed the bytes that followed the request with feed().
  void start(std::string_view key);
  // Bytes read from the socket. Bytes after the end of the protocol are dropped.
  void feed(const char* data, size_t n);
  // The peer closed its end (or the read failed): on_close(1006) unless the
  // closing handshake already ended.
  void eof();
  // Ends the connection without a closing handshake (idle client, close
  // handshake timed out, worker exiting): on_close(1006) if not yet reported.
  void abort();
  // `n` bytes of output reached the socket.
  void written(size_t n);

  // True once the protocol is over: close the TCP connection when the output
  // is flushed (RFC 6455: the server closes TCP first).
  bool wants_close() const;
  // True once a close frame was sent or received, or the session ended.
  bool closing() const;
  // The code on_close reported (0 until then).
  uint16_t close_code() const;

  // WebSocket
  bool send(std::string_view data, bool binary = false) override;
  bool close(uint16_t code = ws_close::kNormal, std::string_view reason = {}) override;
  bool ping(std::string_view payload = {}) override;
  bool is_open() const override;
  size_t buffered_bytes() const override;
  const std::string& path() const override;
  const std::string& remote_addr() const override;
  uint64_t id() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth
