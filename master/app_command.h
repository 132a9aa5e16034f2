// What starting one instance of upstream.command needs, worked out in the
// master before it forks (docs/UPSTREAM.md, "Supervised instances"): the
// argv with {port} / {socket} filled in, the environment, the address the
// instance gets, and where the program is (for `hearth -t`).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "shared/config.h"

namespace hearth {

// Every "{port}" and "{socket}" in every argument replaced.
std::vector<std::string> substitute_command(const std::vector<std::string>& command, const std::string& port,
                                            const std::string& socket);

// `base` (NAME=value strings, null-terminated like `environ`) with each of
// `overrides` added, or replacing the variable of the same name.
std::vector<std::string> app_environment(const char* const* base,
                                         const std::vector<std::pair<std::string, std::string>>& overrides);

// A port on 127.0.0.1 that is free right now (bound with port 0, read,
// closed), other than those in `avoid` (ours already: the kernel may hand
// out a port it just freed twice). 0 with *error when none is found. The
// app binds it a moment later; another process could take it in between,
// which costs one failed start.
int pick_free_port(const std::vector<int>& avoid, std::string* error);

// Where exec would find `program`: with a slash, relative to `directory`;
// without, the first executable file in `search_path` (colon-separated,
// like PATH). "" with *error when there is none.
std::string resolve_executable(const std::string& program, const std::string& directory,
                               const std::string& search_path, std::string* error);

// The PATH the command runs with: upstream.environment's, else ours.
std::string command_search_path(const UpstreamConfig& config);

// The private folder ({socket} instances): made with mkdtemp on first use,
// /tmp/hearth-app-XXXXXX, removed with everything in it when this goes.
// Each start gets a path of its own, app-SLOT-SERIAL.sock.
class SocketFolder {
 public:
  SocketFolder() = default;
  ~SocketFolder();
  SocketFolder(const SocketFolder&) = delete;
  SocketFolder& operator=(const SocketFolder&) = delete;

  // The path for one start, with any stale file there removed. "" with
  // *error when the folder cannot be made.
  std::string path_for(int slot, uint64_t serial, std::string* error);
  const std::string& folder() const { return folder_; }

 private:
  std::string folder_;
};

}  // namespace hearth
