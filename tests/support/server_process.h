// Starts the real hearth binary on 127.0.0.1 with an ephemeral port, a temp
// config and a temp docroot, and stops it (and only it: its own process
// group) when the test ends, pass or fail.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace hearth::test {

// The binary under test: $HEARTH_BIN, else build/hearth.
std::string hearth_binary();

class ServerProcess {
 public:
  // The docroot is dir()/root; write files there before or after start().
  ServerProcess();
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Config values merged over the defaults (listen 127.0.0.1:0, 1 worker,
  // root dir()/root, error log dir()/error.log, access log off). The root
  // is set explicitly: without one hearth serves no files, and it may not
  // be dir() itself, which holds the config and the error log.
  nlohmann::json& config() { return config_; }
  const TempDir& dir() const { return dir_; }
  std::string root() const { return dir_.path() + "/root"; }
  std::string error_log_path() const { return dir_.path() + "/error.log"; }
  std::string config_path() const { return dir_.path() + "/hearth.json"; }

  // The program start() runs: hearth_binary() unless set (an app built on
  // the library, a copy of hearth elsewhere).
  void set_binary(std::string path) { binary_ = std::move(path); }
  // Writes the config, starts `BINARY -c CONFIG args...` and waits for the
  // "listening on" line (up to `timeout_ms`). False if it never comes.
  bool start(const std::vector<std::string>& args = {}, int timeout_ms = 10000);
  // Rewrites the config file (for reload tests).
  void write_config();

  int port() const { return port_; }
  // Every listener's port, in the order of the config's "listen" list.
  const std::vector<int>& ports() const { return ports_; }
  pid_t pid() const { return pid_; }
  std::string error_log() const;
  // Waits until the error log contains `needle` (count occurrences >= times).
  bool wait_for_log(const std::string& needle, int timeout_ms, int times = 1) const;
  // Sends `sig` and waits for the exit. Returns the wait status, or -1 on timeout.
  int stop(int sig, int timeout_ms = 15000);
  // True while the process runs.
  bool running();

 private:
  TempDir dir_;
  nlohmann::json config_;
  std::vector<int> ports_;
  std::string binary_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Counts occurrences of `needle` in `text`.
int count_of(const std::string& text, const std::string& needle);
// Sleeps in small steps until `pred` holds or `timeout_ms` passes.
bool eventually(int timeout_ms, const std::function<bool()>& pred);

}  // namespace hearth::test
