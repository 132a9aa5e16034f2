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
// live process other than us; a stale file is fine (it will be replaced).
bool check_not_running(const std::string& pid_file, std::string* error);

struct ReloadStatus {
  uint64_t sequence = 0;  // reloads finished by this master; 0 = none yet
  bool ok = true;
  std::string message;    // "generation 3 serving" / the reason it was refused
};

std::string reload_status_path(const std::string& pid_file);  // pid_file + ".reload"
bool write_reload_status(const std::string& path, const ReloadStatus& status, std::string* error);
// False when the file is missing or malformed.
bool read_reload_status(const std::string& path, ReloadStatus* status);

}  // namespace hearth
