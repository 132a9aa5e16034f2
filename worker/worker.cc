#include "worker/worker.h"

#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "shared/logging.h"
#include "worker/app/installed_app.h"
#include "worker/app/timers.h"
#include "worker/handover/handover_table.h"
#include "worker/http/connection.h"
#include "worker/routes/drill_routes.h"
#include "worker/http/listener.h"
#include "worker/static/static_files.h"
#include "worker/upstream/upstream.h"
#include "shared/app_instance_table.h"

namespace hearth {

namespace {

// Every so often a worker checks whether a burst of connections is over.
constexpr uint64_t kTrimCheckMs = 2000;
// This many connections gone since the peak make a burst worth trimming.
constexpr int kTrimAfterClosed = 64;
// The hand-over table tracks max_connections and a few being closed for room.
constexpr size_t kUntrackedMargin = 64;
// Requests waiting on a deferred answer that a crash can serve again.
constexpr size_t kReplaySlots = 256;

// The MIME table lives next to the config file (etc/mime.types).
MimeTypes load_mime_types(const Config& config) {
  if (config.file.empty()) return MimeTypes::builtin();
  std::string dir = config.file.substr(0, config.file.find_last_of('/') + 1);
  std::string path = dir + "mime.types";
  // No file is a choice (the built-in table covers the web's types); a file
  // that cannot be read or parsed is a mistake worth a warning.
  if (::access(path.c_str(), F_OK) != 0) {
    spdlog::debug("no {}; using the built-in MIME table", path);
    return MimeTypes::builtin();
  }
  MimeTypes types;
  std::string error;
  if (types.load(path, &error)) return types;
  spdlog::warn("{}; using the built-in MIME table", error);
  return MimeTypes::builtin();
}

Worker* g_current = nullptr;
WorkerInfo g_current_info;

}  // namespace

const WorkerInfo& current_worker() { return g_current_info; }

Worker* Worker::current() { return g_current; }

Worker::Worker(const Config& config, WorkerIdentity id) : config_(config), id_(id), mime_(load_mime_types(config_)) {
  g_current = this;
  g_current_info = WorkerInfo{id.slot, id.generation, static_cast<int>(getpid())};
  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &shutdown_timer_);
  shutdown_timer_.data = this;
  uv_timer_init(&loop_, &trim_timer_);
  trim_timer_.data = this;
  uv_timer_start(&trim_timer_, trim_timer_cb, kTrimCheckMs, kTrimCheckMs);
  uv_unref(reinterpret_cast<uv_handle_t*>(&trim_timer_));
  static_files_ = std::make_unique<StaticFiles>(config_, mime_);
  size_t tracked = static_cast<size_t>(config_.limits.max_connections) + kUntrackedMargin;
  handover_table_ = std::make_unique<HandoverTable>(tracked, std::min(tracked, kReplaySlots));
  if (config_.upstream.enabled()) {
    upstream_ = std::make_unique<Upstream>(this, config_.upstream, process_app_instance_table());
  }
  if (const App* app = installed_app()) add_app_routes(*app, &router_);
  if (config_.drills) register_drill_routes(router_);
}

// A worker whose loop never ran (a test's) still closes its handles, so
// the loop's memory goes with it.
Worker::~Worker() {
  if (!loop_closed_) close_loop();
  if (g_current == this) g_current = nullptr;
}

namespace {

int bound_port(int fd) {
  sockaddr_storage addr;
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 443;
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

bool Worker::listen(const ListenSet& listeners) {
  for (size_t i = 0; i < listeners.fds.size() && i < config_.listeners.size(); i++) {
    listeners_.push_back(std::make_unique<Listener>(this, config_.listeners[i], listeners.tls.at(i), i));
    std::string error;
    if (!listeners_.back()->open(listeners.fds[i], &error)) {
      spdlog::error("{}", error);
      return false;
    }
  }
  // Port 0 in the config is a port the kernel picked: ask the socket.
  int https = 443;
  for (size_t i = listeners_.size(); i-- > 0;) {
    if (listeners_[i]->tls() != nullptr) https = bound_port(listeners.fds[i]);
  }
  for (auto& listener : listeners_) listener->set_https_port(https);
  return true;
}

int Worker::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  cancel_all_timers();  // what their callbacks hold (Replies too) goes now
  if (upstream_) upstream_->close_idle();
  for (auto& hook : stop_hooks_) hook();
  close_loop();
  return 0;
}

// Closes what is left (listener, timers); connections already closed
// themselves and their close callbacks run in the pass below.
void Worker::close_loop() {
  uv_walk(&loop_, [](uv_handle_t* h, void*) {
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  }, nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
  loop_closed_ = true;
}

void Worker::begin_drain(uint64_t timeout_ms) {
  uint64_t deadline = uv_now(&loop_) + timeout_ms;
  if (draining_) {
    if (deadline >= drain_deadline_ms_ || stopping_) return;
    drain_deadline_ms_ = deadline;
    uv_timer_start(&shutdown_timer_, shutdown_timer_cb, timeout_ms, 0);
    return;
  }
  draining_ = true;
  drain_deadline_ms_ = deadline;
  spdlog::info("worker {} draining: {} open connections, at most {} s", id_.slot, active_connections_,
               timeout_ms / 1000.0);
  for (auto& listener : listeners_) listener->stop();
  for (Connection* c = connections_; c != nullptr; c = c->next) c->drain();
  uv_timer_start(&shutdown_timer_, shutdown_timer_cb, timeout_ms, 0);
  uv_unref(reinterpret_cast<uv_handle_t*>(&shutdown_timer_));
  if (active_connections_ == 0) stop_loop();
}

void Worker::shutdown_timer_cb(uv_timer_t* timer) noexcept {
  auto* self = static_cast<Worker*>(timer->data);
  spdlog::warn("worker {}: shutdown timeout, closing {} connections", self->id_.slot, self->active_connections_);
  self->stop_now();
}

void Worker::trim_timer_cb(uv_timer_t* timer) noexcept {
  static_cast<Worker*>(timer->data)->release_memory_after_burst();
}

// Thousands of slow readers leave their freed output chunks scattered over
// the heap, which glibc keeps: after the burst, give the free pages back,
// with the spare exchanges the burst left in the pool.
void Worker::release_memory_after_burst() {
  if (peak_connections_ - active_connections_ < kTrimAfterClosed) return;
  exchanges_.clear();
  malloc_trim(0);
  peak_connections_ = active_connections_;
}

void Worker::stop_now() {
  draining_ = true;
  for (auto& listener : listeners_) listener->stop();
  Connection* c = connections_;
  while (c != nullptr) {
    Connection* next = c->next;
    c->close_for_shutdown();
    c = next;
  }
  stop_loop();
}

void Worker::stop_loop() {
  if (stopping_) return;
  stopping_ = true;
  uv_stop(&loop_);
}

void Worker::reopen_logs() { hearth::reopen_logs(); }

void Worker::connection_opened(Connection* conn) {
  active_connections_++;
  if (active_connections_ > peak_connections_) peak_connections_ = active_connections_;
  conn->next = connections_;
  if (connections_ != nullptr) connections_->prev = conn;
  connections_ = conn;
}

int Worker::close_idle_connections(int count) {
  int closed = 0;
  for (int tries = 0; tries < count && idle_.oldest() != nullptr; tries++) {
    if (static_cast<Connection*>(idle_.oldest())->close_if_still_idle()) closed++;
  }
  return closed;
}

void Worker::adopt(size_t listener, int fd, const std::string& replay) {
  // A listener of another generation's config, or one speaking TLS (whose
  // keys died with the sibling): nothing to serve it with.
  if (listener >= listeners_.size() || listeners_[listener]->tls() != nullptr || stopping_) {
    ::close(fd);
    return;
  }
  Connection::adopt(this, listeners_[listener].get(), fd, replay);
}

void Worker::connection_closed(Connection* conn) {
  active_connections_--;
  if (conn->prev != nullptr) conn->prev->next = conn->next;
  if (conn->next != nullptr) conn->next->prev = conn->prev;
  if (connections_ == conn) connections_ = conn->next;
  for (auto& listener : listeners_) listener->on_connection_closed();
  if (draining_ && active_connections_ == 0) stop_loop();
}

}  // namespace hearth
