// A worker's side of the upstream (docs/UPSTREAM.md): what no file and no
// C++ route answers goes to an upstream server through a ProxyExchange,
// over this worker's pool of keep-alive connections, to the server the
// balancer picks.
#pragma once

#include <uv.h>

#include <hearth/app.h>

#include "shared/config.h"
#include "worker/upstream/balancer.h"
#include "worker/upstream/upstream_pool.h"

namespace hearth {

class Worker;
class AppInstanceTable;

class Upstream {
 public:
  Upstream(Worker* worker, const UpstreamConfig& config, AppInstanceTable* table);
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  bool enabled() const { return config_.enabled(); }
  // Proxies `req`, whose body (if any) came whole, answering through a
  // deferred reply of `res`. Called by dispatch, inside the exchange.
  void proxy(const Request& req, Response* res);
  // For requests whose body streams upstream as it arrives (any method but
  // GET and HEAD that no C++ route takes).
  const BodyHandler& streaming_handler() const { return streaming_handler_; }
  uint64_t max_body_bytes() const { return config_.max_body_bytes; }

  const UpstreamConfig& config() const { return config_; }
  Worker& worker() { return *worker_; }
  uv_loop_t* loop();
  UpstreamPool& pool() { return pool_; }
  Balancer& balancer() { return balancer_; }
  // The worker is stopping: idle connections go now.
  void close_idle() { pool_.close_all(); }

 private:
  uint64_t reply_timeout_ms() const;

  Worker* worker_;
  UpstreamConfig config_;
  UpstreamPool pool_;
  Balancer balancer_;
  BodyHandler streaming_handler_;
};

}  // namespace hearth
