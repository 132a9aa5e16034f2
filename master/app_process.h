// One process of upstream.command: the fork + exec, and its output.
//
// The child gets default signal dispositions and an empty mask (the
// master's are no business of the app's, and an ignored SIGPIPE would
// survive exec), SIGTERM when the master dies, stdin from /dev/null, nothing open but 0, 1 and 2, the
// working directory and environment it was given. Its stdout and stderr go
// to a pipe the master reads ("error_log": both, each line logged; "off":
// stderr only, never logged), or straight to a file (O_APPEND).
//
// Either way the master keeps the last lines it read (8 lines, 1 KiB) for
// the log line of the process's death. Every descriptor the master keeps
// is close-on-exec: a binary upgrade's new master inherits none of them.
#pragma once

#include <sys/types.h>

#include <deque>
#include <string>
#include <vector>

#include "master/binary_upgrade.h"

namespace hearth {

struct AppLaunch {
  std::vector<std::string> argv;         // argv[0] is looked up as execvp does, after the chdir
  std::vector<std::string> environment;  // NAME=value, the whole environment
  std::string directory;                 // "" = the master's
  std::string output = "error_log";      // "error_log", "off" or a file path
  std::string log_prefix;                // "app[2] ", before each logged line
};

class AppProcess {
 public:
  static constexpr size_t kTailLines = 8;  // a Go panic: its message, then the goroutine trace
  static constexpr size_t kTailBytes = 1024;

  AppProcess() = default;
  ~AppProcess();  // closes the pipe; the process is left alone
  AppProcess(const AppProcess&) = delete;
  AppProcess& operator=(const AppProcess&) = delete;

  // Forks and execs. False with *error when a pipe, an open or the fork
  // fails (then there is no process). A failed chdir or exec is the
  // child's: it says why on its stderr and exits 127.
  bool spawn(const AppLaunch& launch, std::string* error);
  pid_t pid() const { return pid_; }
  int output_fd() const { return fd_; }  // to poll; -1 when none or at EOF

  // Reads what the pipe holds (bounded per call), logging lines when the
  // output is "error_log". At EOF the pipe is closed.
  void read_output();
  // After the process died: reads what is left and keeps a last line
  // that had no newline.
  void finish_output();
  // "line | line | line", the tail; "" when none.
  std::string last_output() const;
  void close_output();

 private:
  void take_line(std::string line);

  pid_t pid_ = 0;
  int fd_ = -1;
  bool log_lines_ = false;
  std::string log_prefix_;
  LineBuffer lines_;
  std::deque<std::string> tail_;
  size_t tail_bytes_ = 0;
};

}  // namespace hearth
