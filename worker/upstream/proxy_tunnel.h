// A WebSocket (or other upgraded) connection the upstream accepted with a
// 101: bytes flow both ways unchanged until either side closes or both are
// silent for websocket.idle_timeout. Each direction has backpressure: a
// reader that does not keep up stops the other side's reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "worker/upstream/upstream_socket.h"

namespace hearth {

class ProxyTunnel : private UpstreamSocket::Owner {
 public:
  // The client's side, implemented by the connection.
  class Client {
   public:
    virtual ~Client() = default;
    virtual void tunnel_send(std::string bytes) = 0;    // to the client
    virtual size_t tunnel_unsent() const = 0;           // queued for the client
    virtual void tunnel_read_client(bool on) = 0;       // read from the client, or stop
    virtual void tunnel_closed() = 0;                   // the upstream side is gone: close
  };

  // Takes `socket` (connected, its 101 read).
  ProxyTunnel(Client* client, UpstreamSocket* socket, uint64_t idle_timeout_ms);
  ~ProxyTunnel() override;
  ProxyTunnel(const ProxyTunnel&) = delete;
  ProxyTunnel& operator=(const ProxyTunnel&) = delete;

  void from_client(const char* data, size_t len);
  // The client's output drained.
  void client_drained();

 private:
  void on_connected(UpstreamSocket*, int) override {}
  void on_data(UpstreamSocket* socket, const char* data, size_t len) override;
  void on_closed(UpstreamSocket* socket, int uv_status) override;
  void on_write_drained(UpstreamSocket* socket) override;
  void on_timer(UpstreamSocket* socket) override;
  void touch();

  Client* client_;
  UpstreamSocket* socket_;
  const uint64_t idle_timeout_ms_;
  bool upstream_paused_ = false;  // we stopped reading the upstream
  bool client_paused_ = false;    // we stopped reading the client
};

}  // namespace hearth
