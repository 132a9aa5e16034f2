// The pid file (like nginx's): written atomically after the master started,
// removed when it exits; `-s` finds the master through it. Next to it, the
// reload status file says how the last reload ended, so `-s reload` can
// wait for the outcome (see docs/SUPERVISOR.md).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace hearth {

// Writes `content` to `path` through a temporary file and rename(), so a
// reader sees the old file or the new one, never a partial one.
bool write_file_atomically(const std::string& path, const std::string& content, std::string* error);

bool write_pid_file(const std::string& path, pid_t pid, std::string* error);
// False (with *error) when the file is missing or holds no valid pid.
bool read_pid_file(const std::string& path, pid_t* pid, std::string* error);
// True when a process `pid` exists (even one we may not signal).
bool process_alive(pid_t pid);
// Fails with "hearth already running (pid N)" when the pid file names a
// live process other than us (or `predecessor`: the master a binary upgrade
// replaces, 0 = none) running the same executable; a stale file is fine (it
// will be replaced).
bool check_not_running(const std::string& pid_file, std::string* error, pid_t predecessor = 0);

struct ReloadStatus {
  uint64_t sequence = 0;  // reloads finished by this master; 0 = none yet
  bool ok = true;
  std::string message;    // "generation 3 serving" / the reason it was refused
};

std::string reload_status_path(const std::string& pid_file);  // pid_file + ".reload"
bool write_reload_status(const std::string& path, const ReloadStatus& status, std::string* error);
// False when the file is missing or malformed.
bool read_reload_status(const std::string& path, ReloadStatus* status);

// Binary upgrades report the same way, in pid_file + ".upgrade". Its
// sequence outlives a master: each outcome is written with the file's
// sequence + 1, by whichever master owns the pid file (the old one, or the
// one that replaced it).
std::string upgrade_status_path(const std::string& pid_file);
bool write_next_status(const std::string& path, bool ok, const std::string& message, std::string* error);

// A master's pid file and the status files beside it. claim() writes our
// pid; the destructor removes the files again, unless a binary upgrade
// handed them over to the master that replaced us. With an empty path
// there are no files and every call succeeds.
class PidFileClaim {
 public:
  explicit PidFileClaim(std::string pid_file) : pid_file_(std::move(pid_file)) {}
  ~PidFileClaim();
  PidFileClaim(const PidFileClaim&) = delete;
  PidFileClaim& operator=(const PidFileClaim&) = delete;

  bool claim(std::string* error);
  // The old master wrote our pid already: the files are ours from now on.
  void adopt() { claimed_ = !pid_file_.empty(); }
  // Names `successor` in the pid file; the files are its from now on.
  bool hand_over(pid_t successor, std::string* error);
  bool claimed() const { return claimed_; }
  const std::string& path() const { return pid_file_; }
  std::string reload_status_file() const { return pid_file_.empty() ? "" : reload_status_path(pid_file_); }
  std::string upgrade_status_file() const { return pid_file_.empty() ? "" : upgrade_status_path(pid_file_); }

 private:
  std::string pid_file_;
  bool claimed_ = false;
};

}  // namespace hearth
