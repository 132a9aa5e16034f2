#include "worker/upstream/upstream_socket.h"

#include <netinet/in.h>

#include <cstring>

namespace hearth {

namespace {

// All upstream sockets of a worker share one read buffer: read_cb consumes
// or copies the bytes before the next read.
char g_read_buffer[64 * 1024];

int make_sockaddr(const UpstreamAddress& address, sockaddr_storage* out) {
  if (address.host.find(':') != std::string::npos) {
    return uv_ip6_addr(address.host.c_str(), address.port, reinterpret_cast<sockaddr_in6*>(out));
  }
  return uv_ip4_addr(address.host.c_str(), address.port, reinterpret_cast<sockaddr_in*>(out));
}

}  // namespace

struct UpstreamSocket::WriteRequest {
  uv_write_t req;
  std::string data;
  UpstreamSocket* socket;
};

UpstreamSocket::UpstreamSocket(uv_loop_t* loop, const UpstreamAddress& address, Owner* owner)
    : address_(address), owner_(owner) {
  if (address.is_unix()) {
    uv_pipe_init(loop, &handle_.pipe, 0);
  } else {
    uv_tcp_init(loop, &handle_.tcp);
  }
  uv_timer_init(loop, &timer_);
  handle_.tcp.data = this;  // the same place in both
  timer_.data = this;
  open_handles_ = 2;
}

UpstreamSocket* UpstreamSocket::connect(uv_loop_t* loop, const UpstreamAddress& address, Owner* owner,
                                        int* uv_status) {
  auto* socket = new UpstreamSocket(loop, address, owner);
  socket->connect_req_.data = socket;
  int status = 0;
  if (address.is_unix()) {
    uv_pipe_connect(&socket->connect_req_, &socket->handle_.pipe, address.socket_path.c_str(), connect_cb);
  } else {
    sockaddr_storage addr;
    status = make_sockaddr(address, &addr);
    if (status == 0) {
      uv_tcp_nodelay(&socket->handle_.tcp, 1);
      status = uv_tcp_connect(&socket->connect_req_, &socket->handle_.tcp, reinterpret_cast<sockaddr*>(&addr),
                              connect_cb);
    }
  }
  if (status != 0) {
    *uv_status = status;
    socket->owner_ = nullptr;
    socket->close();
    return nullptr;
  }
  return socket;
}

void UpstreamSocket::connect_cb(uv_connect_t* req, int status) noexcept {
  auto* socket = static_cast<UpstreamSocket*>(req->data);
  if (status == UV_ECANCELED || socket->closing_) return;
  socket->connected_ = status == 0;
  if (socket->owner_ != nullptr) socket->owner_->on_connected(socket, status);
}

void UpstreamSocket::write(std::string data) {
  if (closing_ || data.empty()) return;
  if (queued_bytes_ == 0) {  // most requests go out whole, without a copy held
    uv_buf_t buf = uv_buf_init(data.data(), static_cast<unsigned>(data.size()));
    int written = uv_try_write(stream(), &buf, 1);
    if (written == static_cast<int>(data.size())) return;
    if (written > 0) data.erase(0, static_cast<size_t>(written));
    if (written < 0 && written != UV_EAGAIN) {
      fail(written);
      return;
    }
  }
  auto* request = new WriteRequest{uv_write_t(), std::move(data), this};
  request->req.data = request;
  uv_buf_t buf = uv_buf_init(request->data.data(), static_cast<unsigned>(request->data.size()));
  queued_bytes_ += request->data.size();
  int status = uv_write(&request->req, stream(), &buf, 1, write_cb);
  if (status != 0) {
    queued_bytes_ -= request->data.size();
    delete request;
    fail(status);
  }
}

void UpstreamSocket::write_cb(uv_write_t* req, int status) noexcept {
  auto* request = static_cast<WriteRequest*>(req->data);
  UpstreamSocket* socket = request->socket;
  socket->queued_bytes_ -= request->data.size();
  delete request;
  if (socket->closing_) {
    return;
  }
  if (status != 0) {
    socket->fail(status);
    return;
  }
  if (socket->queued_bytes_ == 0 && socket->owner_ != nullptr) socket->owner_->on_write_drained(socket);
}

void UpstreamSocket::read_start() {
  if (reading_ || closing_) return;
  reading_ = uv_read_start(stream(), alloc_cb, read_cb) == 0;
}

void UpstreamSocket::read_stop() {
  if (!reading_ || closing_) return;
  uv_read_stop(stream());
  reading_ = false;
}

void UpstreamSocket::alloc_cb(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  *buf = uv_buf_init(g_read_buffer, sizeof g_read_buffer);
}

void UpstreamSocket::read_cb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* socket = static_cast<UpstreamSocket*>(stream->data);
  if (nread == 0 || socket->closing_) return;
  if (nread < 0) {
    socket->fail(static_cast<int>(nread));
    return;
  }
  if (socket->owner_ != nullptr) socket->owner_->on_data(socket, buf->base, static_cast<size_t>(nread));
}

void UpstreamSocket::fail(int uv_status) {
  if (closing_) return;
  Owner* owner = owner_;
  owner_ = nullptr;
  if (owner != nullptr) owner->on_closed(this, uv_status);
  close();
}

void UpstreamSocket::set_timer(uint64_t ms) {
  if (!closing_) uv_timer_start(&timer_, timer_cb, ms, 0);
}

void UpstreamSocket::stop_timer() {
  if (!closing_) uv_timer_stop(&timer_);
}

void UpstreamSocket::timer_cb(uv_timer_t* timer) noexcept {
  auto* socket = static_cast<UpstreamSocket*>(timer->data);
  if (socket->owner_ != nullptr) socket->owner_->on_timer(socket);
}

void UpstreamSocket::close() {
  if (closing_) return;
  closing_ = true;
  owner_ = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), close_cb);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), close_cb);
}

void UpstreamSocket::close_cb(uv_handle_t* handle) noexcept {
  auto* socket = static_cast<UpstreamSocket*>(handle->data);
  if (--socket->open_handles_ == 0) delete socket;
}

}  // namespace hearth
