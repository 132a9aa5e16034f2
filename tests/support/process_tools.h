// Process helpers for supervisor tests: run the binary to completion, find
// a master's workers, and kill a tree of processes by pid (for masters that
// are not our children, like a daemon).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::test {

// Runs hearth (the binary of hearth_binary()) with `args` until it exits,
// at most `timeout_ms`. Returns its exit code (-1 on timeout or a signal);
// *output gets its stdout and stderr.
int run_hearth(const std::vector<std::string>& args, std::string* output, int timeout_ms = 30000);
// The same for any program: `binary` with `args`.
int run_program(const std::string& binary, const std::vector<std::string>& args, std::string* output,
                int timeout_ms = 30000);

// Live processes whose parent is `pid`, from /proc.
std::vector<pid_t> children_of(pid_t pid);

// Runs a shell command; returns its exit status (-1 if it did not exit), output in *out.
int run_command(const std::string& cmd, std::string* out);
// tests/process/, with a trailing slash: where the Python clients are.
std::string process_test_dir();
// `relative` (to the current folder, the repo's root in `make test`) made
// absolute; unchanged when it does not exist.
std::string absolute_path(const std::string& relative);

// Runs tests/process/websocket_client.py (a real WebSocket client, Python
// `websockets`) with `args`, bounded to 90 s; output in *out.
int run_websocket_client(const std::vector<std::string>& args, std::string* out);
// True while `pid` exists and is not a zombie.
bool process_exists(pid_t pid);

// SIGKILLs `pid` and its children (workers first). For RAII guards.
void kill_process_tree(pid_t pid);

// Kills a process tree (by pid) when it goes out of scope, pass or fail.
class ProcessTreeGuard {
 public:
  explicit ProcessTreeGuard(pid_t pid = -1) : pid_(pid) {}
  ~ProcessTreeGuard() { kill_process_tree(pid_); }
  ProcessTreeGuard(const ProcessTreeGuard&) = delete;
  ProcessTreeGuard& operator=(const ProcessTreeGuard&) = delete;
  void reset(pid_t pid) { pid_ = pid; }

 private:
  pid_t pid_;
};

// A program running beside the test (a server it talks to), in its own
// process group, stdout and stderr into a file. SIGKILLed by pid and reaped
// when the object goes, pass or fail.
class BackgroundProcess {
 public:
  BackgroundProcess() = default;
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Starts `binary args...` with `env` added to (or replacing in) the
  // environment. False when it could not be forked or exec'd.
  bool start(const std::string& binary, const std::vector<std::string>& args, const std::string& output_path,
             const std::vector<std::pair<std::string, std::string>>& env = {});
  pid_t pid() const { return pid_; }
  std::string output() const;
  // True while it runs (reaps it once it has exited).
  bool running();
  // Sends `sig`, waits up to `timeout_ms` for the exit, then SIGKILLs.
  // Returns the wait status, or -1 when it had to be killed.
  int stop(int sig, int timeout_ms = 5000);

 private:
  pid_t pid_ = -1;
  std::string output_path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to 0, closed).
int free_tcp_port();
// The resident memory (VmRSS) of `pid`, kB; -1 when it cannot be read.
long resident_kb(pid_t pid);

// GET /status parsed; a null json when it failed. The server's config needs
// a `status` section (off by default), as use_supervisor_config sets.
nlohmann::json fetch_status(int port);
// The workers' pids from a /status document, in slot order (0 = none yet).
std::vector<int> status_pids(const nlohmann::json& status);
// Waits until exactly one of `before` (a /status pid list) was replaced by a
// new pid; returns the new list (empty on timeout).
std::vector<int> wait_for_one_replacement(int port, const std::vector<int>& before);
// Waits until /status lists `count` workers, each with a pid, none of them
// in `not_in`; returns their pids (empty on timeout).
std::vector<int> wait_for_workers(int port, size_t count, const std::vector<int>& not_in = {},
                                  int timeout_ms = 10000);

}  // namespace hearth::test
