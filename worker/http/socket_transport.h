// Plain TCP: uv_try_write, and uv_write of one owned chunk when the socket
// is full. The chunk outlives the transport when the connection closes
// while it is in flight (libuv still holds it until the close).
#pragma once

#include "worker/http/transport.h"

namespace hearth {

class SocketTransport : public Transport {
 public:
  // REQUIRES: `stream` outlives any write in flight; cancel() before it closes.
  explicit SocketTransport(uv_stream_t* stream) : stream_(stream) {}
  ~SocketTransport() override { cancel(); }
  SocketTransport(const SocketTransport&) = delete;
  SocketTransport& operator=(const SocketTransport&) = delete;

  int try_write(const uv_buf_t* bufs, unsigned count) override;
  int write(std::string bytes) override;
  bool pending() const override { return in_flight_ != nullptr; }
  int sendfile_fd() const override;
  // The write in flight reports to nobody.
  void cancel();

 private:
  struct WriteRequest;
  static void on_write(uv_write_t* req, int status);

  uv_stream_t* stream_;
  WriteRequest* in_flight_ = nullptr;
};

}  // namespace hearth
