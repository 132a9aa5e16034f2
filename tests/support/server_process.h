// The real hearth binary, started by a test in a temporary folder.
//
//   TempDir dir;                       // removed with everything in it
//   dir.write("site/index.html", "hello");
//   ServerProcess server;              // killed (with its workers) when it goes
//   ASSERT_TRUE(server.start({"-c", dir.write("hearth.json", config)}, dir.path("out.log")));
//   int port = server.wait_for_port(); // from "listening on 127.0.0.1:PORT"
//
// Every wait is bounded. The binary is $HEARTH_BIN, or build/hearth.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hearth {
namespace test {

using Ms = std::chrono::milliseconds;

class TempDir {
 public:
  TempDir();
  ~TempDir();  // removes the folder and everything in it
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string path(const std::string& relative) const { return path_ + "/" + relative; }
  // Writes `content` to `relative` (folders made as needed); returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
std::string hearth_binary();

// Polls `done` every 20 ms until it is true or `limit` passed.
template <typename F>
bool eventually(Ms limit, F done);

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();  // SIGKILLs the master and its workers if still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts hearth with `args`, stdout and stderr appended to `output_path`.
  bool start(const std::vector<std::string>& args, const std::string& output_path);
  // For a master this test did not fork itself (daemon mode): guard it by pid.
  void adopt(pid_t pid);

  pid_t pid() const { return pid_; }
  const std::string& output_path() const { return output_path_; }
  std::string output() const { return read_file(output_path_); }

  // The port from the first "listening on 127.0.0.1:PORT" line, 0 on timeout.
  int wait_for_port(Ms limit = Ms(10000));
  // True once `text` occurs `count` times in the output.
  bool wait_for_output(const std::string& text, Ms limit = Ms(10000), int count = 1);
  // Occurrences of `text` in the output.
  int count_in_output(const std::string& text) const;

  bool send_signal(int sig) const;
  // Waits for the exit of a process started with start(); its wait status,
  // or nullopt on timeout.
  std::optional<int> wait_exit(Ms limit);
  bool running() const;

  // The pids whose parent is the master (its workers), from /proc.
  std::vector<pid_t> children() const;

 private:
  void kill_everything();

  pid_t pid_ = -1;
  bool forked_ = false;  // our child: reap it; else (adopted) only kill it
  bool exited_ = false;
  std::string output_path_;
};

// Runs hearth with `args` to completion (bounded); returns the exit code
// (-1 on timeout or signal) and fills *output with stdout+stderr.
int run_hearth(const std::vector<std::string>& args, std::string* output, Ms limit = Ms(30000));

// Implementation of the template above.
template <typename F>
bool eventually(Ms limit, F done) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace test
}  // namespace hearth
