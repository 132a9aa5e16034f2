// Is a starting app instance ready? With upstream.ready empty: once a
// connection to its address succeeds. Else: `GET <ready> HTTP/1.1` with
// `Host: 127.0.0.1` and `Connection: close`, ready on a status 200-399.
//
// The master has no event loop and ticks every ~100 ms, so a check never
// blocks: each step() goes as far as the socket lets it within `budget`
// (the master passes 0 and polls poll_fd() with everything else), and a
// check that failed (refused, 503, closed) starts again at the next step
// at most every kRetryInterval.
#pragma once

#include <poll.h>

#include <chrono>
#include <string>

#include "shared/upstream_address.h"

namespace hearth {

class ReadinessProbe {
 public:
  using Clock = std::chrono::steady_clock;
  using Ms = std::chrono::milliseconds;
  static constexpr Ms kRetryInterval{100};
  static constexpr Ms kAttemptTimeout{3000};  // one check with no answer: start again
  static constexpr size_t kMaxResponseBytes = 1024;  // the status line is all we read

  // `ready_path` "" = connecting is enough.
  ReadinessProbe(UpstreamAddress address, std::string ready_path);
  ~ReadinessProbe();  // closes the socket
  ReadinessProbe(const ReadinessProbe&) = delete;
  ReadinessProbe& operator=(const ReadinessProbe&) = delete;

  // True once the instance is ready (and from then on).
  bool step(Ms budget);
  // What to poll for now; fd -1 when waiting for nothing.
  pollfd poll_fd() const;
  // Why the last check failed ("connect: connection refused", "answered
  // 503"), for the log line of an instance that never got ready.
  const std::string& last_failure() const { return failure_; }

 private:
  enum class Phase { kIdle, kConnecting, kSending, kReading, kReady };

  // Each advances as far as it can without waiting; false when the phase
  // must wait for the socket (or failed and closed it).
  bool start_attempt();
  bool finish_connect();
  bool send_request();
  bool read_status();
  void fail(const std::string& why);
  void connected();

  UpstreamAddress address_;
  std::string path_;
  Phase phase_ = Phase::kIdle;
  int fd_ = -1;
  std::string request_;
  size_t sent_ = 0;
  std::string response_;
  std::string failure_ = "not checked yet";
  Clock::time_point attempt_started_;
  Clock::time_point next_attempt_;
};

// The status code of an HTTP/1.x status line at the start of `response`:
// 0 while it is incomplete, -1 when it is not one.
int parse_status_line(const std::string& response);

}  // namespace hearth
