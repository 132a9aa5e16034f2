// Background load for process tests: N threads, each GETting `target` again
// and again until stop(), on a new connection each time or on one kept
// alive, counting outcomes. Bounded: each thread stops by itself after
// kMaxRequestsPerThread requests.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"

namespace hearth::test {

struct LoadResult {
  int ok = 0;              // replies that passed the check
  int failed = 0;          // replies that came back wrong, or nothing at all
  int retried = 0;         // connections that died before any response byte, then retried once
  std::vector<std::string> failures;  // the first few, for messages
};

class LoadGenerator {
 public:
  static constexpr int kMaxRequestsPerThread = 20000;
  using Check = std::function<bool(const HttpResponse&)>;
  // kKeepAlive: each thread keeps its connection until the server closes
  // it, then opens another. A request that got no byte back on a reused
  // connection (the server closed it as the request went out) is sent again
  // on a new one and counted in `retried`, as HTTP clients do (RFC 9112
  // 9.3.1).
  enum class Connections { kNewEach, kKeepAlive };

  // `check` decides whether a reply is right (default: status 200).
  // `retry_unanswered`: a request that got no complete response (the
  // connection was closed or reset) is retried once and counted in
  // `retried`, as browsers do for idempotent requests. Only for tests that
  // kill a worker on purpose: connections it had accepted die with it.
  LoadGenerator(int port, std::string target, int threads, Check check = nullptr, bool retry_unanswered = false,
                Connections connections = Connections::kNewEach);
  ~LoadGenerator();  // stops and joins
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Requests finished so far (ok + failed).
  int done() const { return done_.load(); }
  LoadResult stop();

 private:
  void run();
  void run_keep_alive();
  HttpResponse keep_alive_get(Client* client, bool* reused);
  void record(const HttpResponse& reply, bool retried);

  int port_;
  std::string target_;
  Check check_;
  bool retry_unanswered_;
  std::atomic<bool> stop_{false};
  std::atomic<int> done_{0};
  std::mutex mu_;
  LoadResult result_;
  std::vector<std::thread> threads_;
};

}  // namespace hearth::test
