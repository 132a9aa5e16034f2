// Where a connection's output goes: the TCP socket itself (SocketTransport)
// or TLS over it (worker/tls/tls_stream.h). The output queue writes through
// this and knows nothing else of the socket.
#pragma once

#include <uv.h>

#include <string>

namespace hearth {

class Transport {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // What write() took, or what try_write() left pending, is on the wire
    // (status 0), or writing failed (a libuv error). Once per such write.
    virtual void on_transport_written(int status) = 0;
  };

  virtual ~Transport() = default;
  void set_listener(Listener* listener) { listener_ = listener; }
  // Stops telling `listener`, unless another one took its place already.
  void forget_listener(const Listener* listener) {
    if (listener_ == listener) listener_ = nullptr;
  }

  // Sends what can go now without blocking. Returns the bytes of `bufs`
  // taken, UV_EAGAIN, or another libuv error. Bytes taken may still be
  // pending (TLS: encrypted, not yet sent): then pending() is true and
  // on_transport_written follows.
  virtual int try_write(const uv_buf_t* bufs, unsigned count) = 0;
  // Takes all of `bytes`; on_transport_written follows. Returns 0 or a
  // libuv error (then nothing follows).
  virtual int write(std::string bytes) = 0;
  // Something taken is not on the wire yet.
  virtual bool pending() const = 0;
  // The socket to sendfile(2) to, or -1 when bytes must pass through
  // write (TLS encrypts them).
  virtual int sendfile_fd() const = 0;

 protected:
  Listener* listener_ = nullptr;
};

}  // namespace hearth
