// The master's part of a crash hand-over: sockets a dying worker passed on
// its hand-over channel (ipc/handover.h) are held here until a live worker
// can take them (a sibling at once; with one worker, its replacement once
// READY), then passed on round-robin. A socket nobody took within
// kMaxHoldMs is closed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <vector>

#include "ipc/handover.h"

namespace hearth {

class HandoverRelay {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kMaxHoldMs = 10000;
  static constexpr size_t kMaxHeld = 65536;

  struct Target {
    pid_t pid;
    int channel;
  };

  HandoverRelay() = default;
  ~HandoverRelay();
  HandoverRelay(const HandoverRelay&) = delete;
  HandoverRelay& operator=(const HandoverRelay&) = delete;

  // A socket from worker `from` (not a summary). Takes ownership of it.
  void take(pid_t from, ReceivedHandover handover);
  // Passes what it holds to `targets` (never back to where it came from);
  // closes what waited too long.
  void pass_on(const std::vector<Target>& targets);
  size_t held() const { return held_.size(); }
  // In a newly forked worker: its copies of the held sockets must go, or a
  // client's connection would outlive the worker that closes it.
  void close_all_in_child();

 private:
  struct Held {
    pid_t from;
    ReceivedHandover handover;
    Clock::time_point since;
  };
  bool pass_one(Held& held, const std::vector<Target>& targets);

  std::deque<Held> held_;
  size_t next_target_ = 0;
};

}  // namespace hearth
