// Binary upgrade, as nginx does it (SIGUSR2, `hearth -s upgrade`): the
// master runs the executable on disk again, with its arguments, handing it
// the listening sockets. The new master serves on those sockets, starts its
// workers and, once every one is READY, says so; the old master names it in
// the pid file, tells it to take over, drains its own workers and exits.
// No connection sees a closed socket: the listen queue stays open in one
// master or the other the whole time.
//
// Across exec, two environment variables:
//   HEARTH_LISTEN_FDS=5,6   the listening sockets (a list: one per listener)
//   HEARTH_UPGRADE_FD=7     the new master's end of a socketpair to the old one
// On the socketpair, one line per message:
//   new -> old   "ready"           all its workers are READY
//                "failed REASON"   it cannot start (a failed exec says so too)
//   old -> new   "go"              the pid file names you now; I am leaving
// There is no "no": a new binary that fails, exits or is not ready within
// supervisor.upgrade_timeout is killed, and the old master serves on.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "master/signal_queue.h"

namespace hearth {

constexpr char kListenFdsVariable[] = "HEARTH_LISTEN_FDS";
constexpr char kUpgradeFdVariable[] = "HEARTH_UPGRADE_FD";
constexpr size_t kMaxInheritedFds = 64;

// {5, 6} -> "5,6"
std::string format_fd_list(const std::vector<int>& fds);
// "5,6" -> {5, 6}. Each a number above 2 (not stdio), none twice, at most
// kMaxInheritedFds. Fails with *error saying what is wrong.
bool parse_fd_list(const std::string& text, std::vector<int>* fds, std::string* error);

// `environment` (null-terminated, like `environ`) without any
// HEARTH_LISTEN_FDS or HEARTH_UPGRADE_FD it had, plus the two naming
// `listen_fds` and `report_fd`.
std::vector<std::string> upgrade_environment(const char* const* environment, const std::vector<int>& listen_fds,
                                             int report_fd);

// Splits a byte stream into lines ("\n" dropped). A line longer than
// kMaxLine is cut there; the rest of it is dropped.
class LineBuffer {
 public:
  static constexpr size_t kMaxLine = 1024;
  std::vector<std::string> feed(const char* data, size_t size);
  // The text after the last newline (cut like a line), and forgets it: the
  // last line of a stream that ended without one.
  std::string take_partial();

 private:
  std::string partial_;
  bool skipping_ = false;  // inside a line already cut
};

// The old master's side: the new binary it started, until it takes over or
// is given up.
class NewBinary {
 public:
  enum class State { kStarting, kReady, kFailed };

  NewBinary() = default;
  ~NewBinary();  // closes our end of the socketpair; the process is left alone
  NewBinary(const NewBinary&) = delete;
  NewBinary& operator=(const NewBinary&) = delete;

  // Forks; the child resets `signals` and execs `executable` with
  // `arguments` and the sockets in `listen_fds`. False with *error when
  // the socketpair or the fork fails. A failed exec is reported later, by
  // read_reports().
  bool start(const std::string& executable, const std::vector<std::string>& arguments,
             const std::vector<int>& listen_fds, SignalQueue* signals, std::string* error);
  pid_t pid() const { return pid_; }
  int fd() const { return fd_; }  // to poll; -1 once closed

  // Reads what it said since the last call. kFailed sets *reason.
  State read_reports(std::string* reason);
  // Reaping is the master's: it hands over the wait status.
  void on_exit(int wait_status) { exit_status_ = wait_status; }
  const std::optional<int>& exit_status() const { return exit_status_; }
  bool tell_go();
  // SIGKILL, unless it was reaped already (its pid may be someone else's now).
  void kill_it();
  void close_link();

 private:
  pid_t pid_ = 0;
  int fd_ = -1;
  LineBuffer lines_;
  bool ready_ = false;
  std::string failure_;
  std::optional<int> exit_status_;
};

// The new master's side: its link to the master it replaces.
class OldMaster {
 public:
  enum class Heard { kNothing, kGo, kGone };

  OldMaster(int fd, pid_t pid);
  ~OldMaster();
  OldMaster(const OldMaster&) = delete;
  OldMaster& operator=(const OldMaster&) = delete;

  int fd() const { return fd_; }
  pid_t pid() const { return pid_; }
  void tell_ready();
  void tell_failed(const std::string& reason);
  // kGo when it said "go"; kGone when it closed the link without (it died).
  Heard read();
  void close_link();

 private:
  int fd_;
  pid_t pid_;
  LineBuffer lines_;
};

// What a master started by a binary upgrade was handed.
struct Inheritance {
  std::vector<int> listen_fds;
  int report_fd = -1;
  pid_t old_master = 0;  // our parent, the master we replace
  bool upgrading() const { return report_fd >= 0; }
};

// Reads and unsets the two variables (our workers and our own next upgrade
// must not see them), and marks the fds close-on-exec again. Nothing there:
// true, not upgrading. False with *error when they are malformed, or name
// fds that are not open or not listening sockets.
bool take_inheritance(Inheritance* out, std::string* error);

// For a new binary that fails before it gets as far as the master (flags it
// does not know, a config that does not load, logs that do not open): when
// an upgrade started it, the old master hears the reason, not just an exit
// code. Does nothing otherwise.
void report_early_upgrade_failure(const std::string& reason);

}  // namespace hearth
