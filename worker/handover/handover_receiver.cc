#include "worker/handover/handover_receiver.h"

#include <spdlog/spdlog.h>

#include "ipc/handover.h"
#include "worker/worker.h"

namespace hearth {

namespace {

// Per wake-up, so that a flood of hand-overs cannot starve the loop.
constexpr int kMaxPerTurn = 256;

}  // namespace

HandoverReceiver::HandoverReceiver(Worker* worker, int channel) : worker_(worker), channel_(channel) {}

HandoverReceiver::~HandoverReceiver() { close(); }

bool HandoverReceiver::start() {
  poll_ = new uv_poll_t;
  if (uv_poll_init(worker_->loop(), poll_, channel_) != 0) {
    delete poll_;
    poll_ = nullptr;
    return false;
  }
  poll_->data = this;
  // The channel alone never keeps the loop alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return uv_poll_start(poll_, UV_READABLE, on_readable) == 0;
}

void HandoverReceiver::close() {
  if (poll_ == nullptr) return;
  poll_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), on_closed);
  poll_ = nullptr;
}

void HandoverReceiver::on_closed(uv_handle_t* handle) noexcept { delete reinterpret_cast<uv_poll_t*>(handle); }

void HandoverReceiver::on_readable(uv_poll_t* poll, int status, int) noexcept {
  auto* self = static_cast<HandoverReceiver*>(poll->data);
  if (self == nullptr) return;
  if (status < 0) {
    self->close();
    return;
  }
  self->receive();
}

void HandoverReceiver::receive() {
  for (int i = 0; i < kMaxPerTurn; i++) {
    ReceivedHandover h;
    int got = receive_handover(channel_, &h);
    if (got == 0) return;
    if (got < 0) {
      close();  // the master is gone; the master link notices too
      return;
    }
    if (h.kind == HandoverKind::kSummary) continue;  // only the master reads those
    worker_->adopt(h.listener, h.socket, h.bytes);
  }
}

}  // namespace hearth
