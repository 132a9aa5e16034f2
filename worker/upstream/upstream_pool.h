// A worker's idle keep-alive connections to its upstream servers, per
// server, bounded (upstream.keepalive each) and closed after
// upstream.keepalive_timeout. The most recently used is reused first: the
// one least likely to have been closed by its server.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <string>

#include "worker/upstream/upstream_socket.h"

namespace hearth {

class UpstreamPool : private UpstreamSocket::Owner {
 public:
  UpstreamPool(uv_loop_t* loop, int max_idle_per_server, uint64_t idle_timeout_ms);
  ~UpstreamPool() override;
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // An idle connection to `address` (for `instance_serial`), now owned by
  // `owner`, or null.
  UpstreamSocket* take(const std::string& address, uint64_t instance_serial, UpstreamSocket::Owner* owner);
  // A connection whose exchange ended cleanly. Kept, or closed when the
  // server already has its share.
  void give_back(UpstreamSocket* socket);
  // Closes every idle connection (the worker is stopping).
  void close_all();
  size_t idle_count() const { return idle_count_; }

 private:
  struct List {
    UpstreamSocket* head = nullptr;  // most recently given back
    UpstreamSocket* tail = nullptr;
    int size = 0;
  };
  void unlink(UpstreamSocket* socket);
  void close_idle(UpstreamSocket* socket);

  void on_connected(UpstreamSocket*, int) override {}
  void on_data(UpstreamSocket* socket, const char*, size_t) override { close_idle(socket); }
  void on_closed(UpstreamSocket* socket, int) override { unlink(socket); }
  void on_write_drained(UpstreamSocket*) override {}
  void on_timer(UpstreamSocket* socket) override { close_idle(socket); }

  uv_loop_t* loop_;
  const int max_idle_per_server_;
  const uint64_t idle_timeout_ms_;
  std::map<std::string, List> idle_;
  size_t idle_count_ = 0;
};

}  // namespace hearth
