#include "worker/listener.h"

#include <spdlog/spdlog.h>

#include "worker/connection.h"
#include "worker/worker.h"

namespace hearth {

Listener::Listener(Worker* worker) : worker_(worker) {}

bool Listener::open(int fd, std::string* error) {
  uv_tcp_init(worker_->loop(), &server_);
  server_.data = this;
  int r = uv_tcp_open(&server_, fd);
  if (r == 0) r = uv_listen(reinterpret_cast<uv_stream_t*>(&server_), 511, connection_cb);
  if (r != 0) {
    *error = std::string("listen on inherited socket: ") + uv_strerror(r);
    uv_close(reinterpret_cast<uv_handle_t*>(&server_), nullptr);
    return false;
  }
  open_ = true;
  return true;
}

void Listener::stop() {
  if (!open_) return;
  open_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&server_), nullptr);
}

void Listener::connection_cb(uv_stream_t* server, int status) noexcept {
  auto* self = static_cast<Listener*>(server->data);
  if (status < 0) {
    spdlog::warn("accept() failed: {}", uv_strerror(status));
    return;
  }
  self->accept_one();
}

// Not calling uv_accept leaves the connection pending and makes libuv stop
// polling the socket until we do: that is how accepting pauses at the limit.
void Listener::accept_one() {
  if (worker_->active_connections() >= worker_->config().limits.max_connections) {
    if (!held_back_) spdlog::warn("{} connections: not accepting until one closes", worker_->active_connections());
    held_back_ = true;
    return;
  }
  held_back_ = false;
  Connection::accept(worker_, reinterpret_cast<uv_stream_t*>(&server_));
}

void Listener::on_connection_closed() {
  if (held_back_ && open_) accept_one();
}

}  // namespace hearth
