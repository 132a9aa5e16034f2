#include "worker/http/socket_transport.h"

namespace hearth {

struct SocketTransport::WriteRequest {
  uv_write_t req;
  std::string data;
  SocketTransport* transport;  // null once cancelled
};

int SocketTransport::try_write(const uv_buf_t* bufs, unsigned count) {
  if (in_flight_ != nullptr) return UV_EAGAIN;  // keep the order of the bytes
  int written = uv_try_write(stream_, bufs, count);
  return written == UV_ENOSYS ? UV_EAGAIN : written;
}

int SocketTransport::write(std::string bytes) {
  auto* w = new WriteRequest{uv_write_t(), std::move(bytes), this};
  w->req.data = w;
  uv_buf_t buf = uv_buf_init(&w->data[0], static_cast<unsigned>(w->data.size()));
  int r = uv_write(&w->req, stream_, &buf, 1, on_write);
  if (r != 0) {
    delete w;
    return r;
  }
  in_flight_ = w;
  return 0;
}

int SocketTransport::sendfile_fd() const {
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(stream_), &fd) != 0) return -1;
  return fd;
}

void SocketTransport::cancel() {
  if (in_flight_ != nullptr) in_flight_->transport = nullptr;
  in_flight_ = nullptr;
  listener_ = nullptr;
}

void SocketTransport::on_write(uv_write_t* req, int status) {
  auto* w = static_cast<WriteRequest*>(req->data);
  SocketTransport* self = w->transport;
  delete w;
  if (self == nullptr) return;  // cancelled: the connection is closing
  self->in_flight_ = nullptr;
  if (self->listener_ != nullptr) self->listener_->on_transport_written(status);
}

}  // namespace hearth
