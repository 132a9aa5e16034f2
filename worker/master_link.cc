#include "worker/master_link.h"

#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "ipc/frame.h"
#include "worker/worker.h"

namespace hearth {

// The handles live here, not in MasterLink, because libuv may touch them
// until their close callbacks ran: the Impl frees itself after the last one
// once the MasterLink is gone.
struct MasterLink::Impl {
  Worker* worker;
  int fd;
  uv_pipe_t pipe;
  uv_timer_t heartbeat;
  uv_check_t retire_check;  // runs once per loop turn: retires right at the limit
  FrameDecoder decoder;
  char read_buf[4096];
  uint64_t retire_at = 0;   // requests served before retiring; 0 = never
  bool started = false;
  bool closed = false;
  bool retiring = false;
  bool owner_gone = false;
  int open_handles = 0;

  Impl(Worker* w, int channel_fd) : worker(w), fd(channel_fd) {}

  Counters counters() const {
    Counters c;
    c.requests_served = worker->requests_served();
    c.active_connections = static_cast<uint32_t>(worker->active_connections());
    return c;
  }
  int slot() const { return worker->identity().slot; }

  void send(MessageType type, std::string_view payload = {});
  void handle(const Message& m);
  void master_gone(const char* why);
  void close_handles();
  void maybe_free() {
    if (owner_gone && open_handles == 0) delete this;
  }

  // libuv callbacks: noexcept trampolines back to the Impl in handle->data.
  static void on_closed(uv_handle_t* handle) noexcept;
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_heartbeat(uv_timer_t* timer) noexcept;
  static void on_loop_turn(uv_check_t* check) noexcept;
};

namespace {

struct WriteRequest {
  uv_write_t req;
  std::string bytes;
};

void on_write(uv_write_t* req, int /*status*/) noexcept {
  // A failed write means the master is gone; the read side notices and drains.
  delete reinterpret_cast<WriteRequest*>(req);
}

uint64_t pick_retire_limit(const SupervisorConfig& s) {
  if (s.max_requests == 0) return 0;
  if (s.max_requests_jitter == 0) return s.max_requests;
  // Jitter spreads the retirements of workers started together.
  std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  std::uniform_int_distribution<uint64_t> jitter(0, s.max_requests_jitter);
  return s.max_requests + jitter(rng);
}

}  // namespace

void MasterLink::Impl::on_closed(uv_handle_t* handle) noexcept {
  auto* impl = static_cast<Impl*>(handle->data);
  impl->open_handles--;
  impl->maybe_free();
}

void MasterLink::Impl::on_alloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) noexcept {
  auto* impl = static_cast<Impl*>(handle->data);
  *buf = uv_buf_init(impl->read_buf, sizeof impl->read_buf);
}

void MasterLink::Impl::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* impl = static_cast<Impl*>(stream->data);
  if (nread == 0) return;
  if (nread < 0) {
    impl->master_gone(nread == UV_EOF ? "channel closed" : uv_strerror(static_cast<int>(nread)));
    return;
  }
  std::vector<Message> messages;
  std::string error;
  bool ok = impl->decoder.feed(buf->base, static_cast<size_t>(nread), &messages, &error);
  for (const Message& m : messages) impl->handle(m);
  if (!ok) {
    spdlog::error("worker {}: bad message from the master: {}", impl->slot(), error);
    impl->master_gone("channel broken");
  }
}

void MasterLink::Impl::on_heartbeat(uv_timer_t* timer) noexcept {
  auto* impl = static_cast<Impl*>(timer->data);
  impl->send(MessageType::kHeartbeat, encode_counters(impl->counters()));
}

void MasterLink::Impl::on_loop_turn(uv_check_t* check) noexcept {
  auto* impl = static_cast<Impl*>(check->data);
  if (impl->retiring || impl->retire_at == 0) return;
  if (impl->worker->requests_served() < impl->retire_at) return;
  impl->retiring = true;
  spdlog::info("worker {} retiring after {} requests (max_requests)", impl->slot(),
               impl->worker->requests_served());
  impl->send(MessageType::kRetiring, encode_counters(impl->counters()));
  uv_check_stop(check);
  // A replacement is on its way: like a reload, let in-flight responses finish.
  impl->worker->begin_drain(impl->worker->config().supervisor.retire_timeout_ms);
}

void MasterLink::Impl::send(MessageType type, std::string_view payload) {
  if (!started || closed) return;
  auto* w = new WriteRequest;
  w->bytes = encode_frame(type, payload);
  uv_buf_t b = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&pipe), &b, 1, on_write) != 0) delete w;
}

void MasterLink::Impl::handle(const Message& m) {
  switch (m.type) {
    case MessageType::kStop: {
      uint64_t timeout_ms = 0;
      if (!decode_stop_timeout(m.payload, worker->config().supervisor.shutdown_timeout_ms, &timeout_ms)) {
        spdlog::warn("worker {}: STOP with a malformed timeout, using shutdown_timeout", slot());
        timeout_ms = worker->config().supervisor.shutdown_timeout_ms;
      }
      worker->begin_drain(timeout_ms);
      break;
    }
    case MessageType::kReopen:
      worker->reopen_logs();
      break;
    default:
      spdlog::warn("worker {}: unexpected {} from the master, ignored", slot(), message_type_name(m.type));
      break;
  }
}

void MasterLink::Impl::master_gone(const char* why) {
  // No master means nobody would restart or stop us: finish what is in
  // flight and leave, rather than become an orphan.
  spdlog::warn("worker {}: master gone ({}), draining", slot(), why);
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&pipe));
  if (!worker->draining()) worker->begin_drain();
}

void MasterLink::Impl::close_handles() {
  if (!started || closed) return;
  // A last heartbeat so the master counts every request; best effort and
  // synchronous, since closing the pipe cancels queued writes.
  std::string last = encode_frame(MessageType::kHeartbeat, encode_counters(counters()));
  uv_buf_t b = uv_buf_init(last.data(), static_cast<unsigned>(last.size()));
  uv_try_write(reinterpret_cast<uv_stream_t*>(&pipe), &b, 1);
  closed = true;
  uv_timer_stop(&heartbeat);
  uv_check_stop(&retire_check);
  uv_close(reinterpret_cast<uv_handle_t*>(&heartbeat), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&retire_check), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&pipe), on_closed);
}

MasterLink::MasterLink(Worker* worker, int channel_fd) : impl_(new Impl(worker, channel_fd)) {}

MasterLink::~MasterLink() {
  impl_->close_handles();
  if (!impl_->started) ::close(impl_->fd);
  impl_->owner_gone = true;
  impl_->maybe_free();
}

bool MasterLink::start() {
  Impl* m = impl_;
  if (m->started) return true;
  uv_loop_t* loop = m->worker->loop();
  int err = uv_pipe_init(loop, &m->pipe, 0);
  if (err == 0) err = uv_pipe_open(&m->pipe, m->fd);
  if (err != 0) {
    spdlog::error("worker {}: cannot open the master channel: {}", m->slot(), uv_strerror(err));
    return false;
  }
  uv_timer_init(loop, &m->heartbeat);
  uv_check_init(loop, &m->retire_check);
  m->pipe.data = m->heartbeat.data = m->retire_check.data = m;
  m->open_handles = 3;
  m->started = true;
  // The link never keeps the loop alive by itself: the worker's own handles
  // decide when it is done.
  uv_unref(reinterpret_cast<uv_handle_t*>(&m->pipe));
  uv_unref(reinterpret_cast<uv_handle_t*>(&m->heartbeat));
  uv_unref(reinterpret_cast<uv_handle_t*>(&m->retire_check));

  uv_read_start(reinterpret_cast<uv_stream_t*>(&m->pipe), Impl::on_alloc, Impl::on_read);
  const SupervisorConfig& s = m->worker->config().supervisor;
  uint64_t every = s.heartbeat_interval_ms > 0 ? s.heartbeat_interval_ms : 1000;
  uv_timer_start(&m->heartbeat, Impl::on_heartbeat, every, every);
  m->retire_at = pick_retire_limit(s);
  if (m->retire_at > 0) uv_check_start(&m->retire_check, Impl::on_loop_turn);
  m->send(MessageType::kReady);
  return true;
}

void MasterLink::close() { impl_->close_handles(); }

}  // namespace hearth
