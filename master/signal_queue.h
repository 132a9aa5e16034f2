// The master's signals, queued through a self-pipe: the handler only writes
// the signal number into a non-blocking pipe (async-signal-safe); the main
// loop polls the read end and acts on the numbers in arrival order, like
// gunicorn's arbiter. Nothing else happens in signal context.
#pragma once

#include <signal.h>

#include <vector>

namespace hearth {

class SignalQueue {
 public:
  // Creates the pipe and installs handlers for HUP TERM QUIT INT USR1 USR2
  // TTIN TTOU CHLD; ignores PIPE. One per process. Returns false on failure.
  bool install();
  // Read end, to poll for POLLIN.
  int fd() const { return read_fd_; }
  // Signals that arrived since the last call, oldest first (bounded).
  std::vector<int> take();
  // In a freshly forked child: default dispositions, pipe closed, mask cleared.
  void reset_in_child();

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

// Blocks every signal for the scope, so a fork cannot run the master's
// handlers in the child before it resets them.
class SignalBlock {
 public:
  SignalBlock();
  ~SignalBlock();
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;
  // Ends the block early (child side, after reset_in_child()).
  void release();

 private:
  bool active_ = true;
  sigset_t old_;
};

const char* signal_name(int sig);  // "SIGSEGV", or "signal 42"

}  // namespace hearth
