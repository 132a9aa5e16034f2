// The worker: owns the libuv loop, the listener, the connections and the
// routes. Other pieces (the master link, the status route) talk to it
// through this interface.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shared/config.h"
#include "worker/compress/gzip_filter.h"
#include "worker/http/http_date.h"
#include "worker/http/exchange.h"
#include "worker/http/idle_connections.h"
#include "worker/static/mime_types.h"
#include "worker/app/router.h"
#include "worker/listen_set.h"
#include "worker/worker_main.h"

namespace hearth {

class Connection;
class HandoverTable;
class Listener;
class StaticFiles;
class Upstream;

class Worker {
 public:
  Worker(const Config& config, WorkerIdentity id);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts accepting on every socket of `listeners`. Returns false (and
  // logs) on failure.
  bool listen(const ListenSet& listeners);
  // Runs the loop until the worker has stopped. Returns the exit status.
  int run();
  // Called once the loop is told to stop, before handles are closed
  // (the master link closes its pipe and timers here).
  void on_stop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }

  // Graceful stop: stop accepting, close idle keep-alives after a short
  // grace, answer in-flight requests with Connection: close, then leave the
  // loop. After `shutdown_timeout` the remaining connections are closed.
  void begin_drain() { begin_drain(config_.supervisor.shutdown_timeout_ms); }
  // The same with its own deadline (a retiring worker of a reload waits
  // longer than a stopping one). Draining again can only bring the
  // deadline closer.
  void begin_drain(uint64_t timeout_ms);
  bool draining() const { return draining_; }
  // Fast stop: close everything now.
  void stop_now();
  void reopen_logs();

  // The worker of this process (one per process), or nullptr.
  static Worker* current();

  uv_loop_t* loop() { return &loop_; }
  const Config& config() const { return config_; }
  WorkerIdentity identity() const { return id_; }
  Router& router() { return router_; }
  StaticFiles& static_files() { return *static_files_; }
  // The upstream proxy, or null when none is configured.
  Upstream* upstream() { return upstream_.get(); }
  const GzipFilter& gzip_filter() const { return gzip_filter_; }
  const std::string& date_now() { return date_.now(); }

  // Counters published to the master.
  uint64_t requests_served() const { return requests_served_; }
  int active_connections() const { return active_connections_; }
  void count_request() { requests_served_++; }
  void connection_opened(Connection* conn);
  void connection_closed(Connection* conn);
  // Connections waiting for a (first or next) request, oldest first.
  IdleConnections& idle_connections() { return idle_; }
  ExchangePool& exchanges() { return exchanges_; }
  // At max_connections: closes up to `count` of the longest-idle
  // connections. Returns how many will close (their close callbacks follow).
  int close_idle_connections(int count);

  // What a crash would do with each connection (worker/handover/).
  HandoverTable* handover_table() { return handover_table_.get(); }
  // Serves `fd`, a plain connection of listener number `listener` that a
  // dying sibling handed over, starting with `replay` (may be empty).
  void adopt(size_t listener, int fd, const std::string& replay);

 private:
  static void shutdown_timer_cb(uv_timer_t* timer) noexcept;
  static void trim_timer_cb(uv_timer_t* timer) noexcept;
  void release_memory_after_burst();
  void stop_loop();
  void close_loop();

  Config config_;
  WorkerIdentity id_;
  uv_loop_t loop_;
  uv_timer_t shutdown_timer_;
  uv_timer_t trim_timer_;
  MimeTypes mime_;
  Router router_;
  DateCache date_;
  GzipFilter gzip_filter_{config_.gzip};
  std::unique_ptr<StaticFiles> static_files_;
  std::unique_ptr<Upstream> upstream_;
  std::unique_ptr<HandoverTable> handover_table_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::function<void()>> stop_hooks_;
  Connection* connections_ = nullptr;  // intrusive list
  IdleConnections idle_;
  ExchangePool exchanges_{config_.limits};
  bool draining_ = false;
  uint64_t drain_deadline_ms_ = 0;  // loop time at which the rest is closed
  bool stopping_ = false;
  bool loop_closed_ = false;
  uint64_t requests_served_ = 0;
  int active_connections_ = 0;
  int peak_connections_ = 0;  // since memory was last given back
};

}  // namespace hearth
