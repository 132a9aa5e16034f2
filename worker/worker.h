// The worker: owns the libuv loop, the listener, the connections and the
// routes. Other pieces (the master link, the status route) talk to it
// through this interface.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>

#include "shared/config.h"
#include "worker/router.h"
#include "worker/worker_main.h"

namespace hearth {

class Listener;
class StaticFiles;

class Worker {
 public:
  Worker(const Config& config, WorkerIdentity id);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts accepting on `listen_fd`. Returns false (and logs) on failure.
  bool listen(int listen_fd);
  // Runs the loop until the worker has stopped. Returns the exit status.
  int run();

  // Graceful stop: stop accepting, close idle keep-alives, answer in-flight
  // requests with Connection: close, then leave the loop. After
  // `shutdown_timeout` the remaining connections are closed.
  void begin_drain();
  bool draining() const { return draining_; }
  // Fast stop: close everything now.
  void stop_now();
  void reopen_logs();

  uv_loop_t* loop() { return &loop_; }
  const Config& config() const { return config_; }
  WorkerIdentity identity() const { return id_; }
  Router& router() { return router_; }
  StaticFiles& static_files() { return *static_files_; }

  // Counters published to the master.
  uint64_t requests_served() const { return requests_served_; }
  int active_connections() const { return active_connections_; }
  void count_request() { requests_served_++; }
  void connection_opened() { active_connections_++; }
  void connection_closed();

 private:
  Config config_;
  WorkerIdentity id_;
  uv_loop_t loop_;
  Router router_;
  std::unique_ptr<StaticFiles> static_files_;
  std::unique_ptr<Listener> listener_;
  bool draining_ = false;
  uint64_t requests_served_ = 0;
  int active_connections_ = 0;
};

}  // namespace hearth
