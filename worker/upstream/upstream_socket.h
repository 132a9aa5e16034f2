// One connection to an upstream server, TCP or unix socket, on the
// worker's loop: connect, queued writes with a byte count (for
// backpressure), reads, one timer. It deletes itself after close().
//
// Between requests it sits in the pool (upstream_pool.h) with no owner but
// the pool, still reading: a byte or the close of an idle connection means
// the server gave up on it, and it is closed before anyone reuses it.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

#include "shared/upstream_address.h"

namespace hearth {

class UpstreamSocket {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    virtual void on_connected(UpstreamSocket* socket, int uv_status) = 0;
    virtual void on_data(UpstreamSocket* socket, const char* data, size_t len) = 0;
    // EOF (UV_EOF) or an error from reading or writing; the socket is
    // closed after this returns.
    virtual void on_closed(UpstreamSocket* socket, int uv_status) = 0;
    // Queued writes are all out.
    virtual void on_write_drained(UpstreamSocket* socket) = 0;
    virtual void on_timer(UpstreamSocket* socket) = 0;
  };

  // Starts connecting to `address`. Returns null when even that failed
  // (the socket is then already gone); `*uv_status` says why.
  static UpstreamSocket* connect(uv_loop_t* loop, const UpstreamAddress& address, Owner* owner, int* uv_status);

  void set_owner(Owner* owner) { owner_ = owner; }
  // Queues `data` (written at once if the socket takes it).
  void write(std::string data);
  size_t queued_bytes() const { return queued_bytes_; }
  void read_start();
  void read_stop();
  void set_timer(uint64_t ms);
  void stop_timer();
  // Closes and, once libuv is done with the handles, deletes this.
  void close();

  const UpstreamAddress& address() const { return address_; }
  bool connected() const { return connected_; }
  bool closing() const { return closing_; }
  // Requests this connection carried: one more than zero means it was reused.
  uint32_t requests = 0;
  uint64_t idle_since_ms = 0;
  uint64_t instance_serial = 0;  // the supervised instance it reaches (0: a configured server)
  // The pool's list.
  UpstreamSocket* prev = nullptr;
  UpstreamSocket* next = nullptr;

 private:
  struct WriteRequest;
  UpstreamSocket(uv_loop_t* loop, const UpstreamAddress& address, Owner* owner);
  ~UpstreamSocket() = default;
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle_); }
  void fail(int uv_status);

  static void connect_cb(uv_connect_t* req, int status) noexcept;
  static void alloc_cb(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void read_cb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void write_cb(uv_write_t* req, int status) noexcept;
  static void timer_cb(uv_timer_t* timer) noexcept;
  static void close_cb(uv_handle_t* handle) noexcept;

  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_;
  uv_timer_t timer_;
  uv_connect_t connect_req_;
  UpstreamAddress address_;
  Owner* owner_;
  size_t queued_bytes_ = 0;
  int open_handles_ = 0;
  bool connected_ = false;
  bool reading_ = false;
  bool closing_ = false;
};

}  // namespace hearth
