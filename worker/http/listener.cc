#include "worker/http/listener.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "worker/http/connection.h"
#include "worker/worker.h"

namespace hearth {

Listener::Listener(Worker* worker, const ListenConfig& config, std::shared_ptr<const TlsContext> tls, size_t index)
    : worker_(worker), config_(config), tls_(std::move(tls)), index_(index),
      response_headers_(worker->config().response_headers) {
  if (!config.hsts.empty()) response_headers_.emplace_back("Strict-Transport-Security", config.hsts);
}

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
    // Out of file descriptors: idle connections are the ones to give up.
    if (status == UV_EMFILE || status == UV_ENFILE) self->worker_->close_idle_connections(self->idle_closed_at_once());
    return;
  }
  self->accept_one();
}

// Not calling uv_accept leaves the connection pending and makes libuv stop
// polling the socket until we do: that is how accepting pauses at the limit.
// Idle connections make room (their close callbacks accept the waiting
// client); only when every connection is busy does the new one wait.
void Listener::accept_one() {
  if (worker_->active_connections() >= worker_->config().limits.max_connections) {
    held_back_ = true;
    if (closing_idle_ > 0) return;  // room is on its way
    closing_idle_ = worker_->close_idle_connections(idle_closed_at_once());
    if (closing_idle_ > 0) {
      // As nginx says "worker_connections are not enough, reusing connections".
      if (!warned_reuse_) spdlog::warn("max_connections ({}) reached: closing idle connections to make room",
                                       worker_->config().limits.max_connections);
      warned_reuse_ = true;
      return;
    }
    if (!warned_full_) spdlog::warn("{} busy connections: not accepting until one closes", worker_->active_connections());
    warned_full_ = true;
    return;
  }
  warned_full_ = false;
  held_back_ = false;
  Connection::accept(worker_, this, reinterpret_cast<uv_stream_t*>(&server_));
}

// nginx closes up to 32 reusable connections when it runs out: room for a
// burst of new clients without one close per accept. A small limit gets
// proportionally fewer.
int Listener::idle_closed_at_once() const {
  return std::clamp(worker_->config().limits.max_connections / 128, 1, 32);
}

void Listener::on_connection_closed() {
  if (closing_idle_ > 0) closing_idle_--;
  if (held_back_ && open_) accept_one();
}

}  // namespace hearth
