// Daemon mode: double fork + setsid, stdio on /dev/null, working folder "/".
// The process that ran `hearth --daemon` waits until the daemon says it has
// started (pid file written) or failed, so its exit status means something.
#pragma once

#include <string>

namespace hearth {

class Daemon {
 public:
  // Forks twice. Returns true in the daemon (the grandchild); the original
  // process never returns: it exits 0 once the daemon called started(), or
  // 1 when the daemon called failed() (printing its message to stderr) or
  // died first. Returns false with *error when the pipe or the first fork
  // fails (still the original process).
  bool detach(std::string* error);
  // In the daemon: tells the waiting original process that all went well.
  // Call it before forking workers, which must not inherit the pipe.
  void started();
  // In the daemon: the waiting process prints `message` and exits 1.
  void failed(const std::string& message);

 private:
  int notify_fd_ = -1;
};

}  // namespace hearth
