#include "master/master_main.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <thread>

#include <spdlog/spdlog.h>

#include "master/daemon.h"
#include "master/listen_socket.h"
#include "master/open_file_limit.h"
#include "master/master.h"
#include "master/pid_file.h"
#include "shared/status_table.h"
#include "worker/worker_main.h"

namespace hearth {

namespace {

using Ms = std::chrono::milliseconds;

constexpr Ms kControlPoll{50};
constexpr Ms kReloadWait{60000};     // config load + up to 10 s for the new workers, with margin
constexpr Ms kStopWaitMargin{5000};  // beyond shutdown_timeout

// Startup errors go to the error log and, when that is not the terminal
// already, to stderr too: the person who ran the command must see them.
void startup_error(const Config& config, const std::string& message) {
  spdlog::error("{}", message);
  if (config.log.error_log != "stderr") fprintf(stderr, "hearth: %s\n", message.c_str());
}

int bind_or_report(const Config& config) {
  std::string error;
  int fd = open_listen_socket(config.listen_host, config.listen_port, &error);
  if (fd < 0) {
    startup_error(config, error);
    return -1;
  }
  spdlog::info("listening on {}", bound_address(fd));
  return fd;
}

class PidFiles {
 public:
  explicit PidFiles(std::string pid_file) : pid_file_(std::move(pid_file)) {}
  ~PidFiles() {
    if (!written_) return;
    unlink(pid_file_.c_str());
    unlink(reload_status_path(pid_file_).c_str());
  }
  bool write(std::string* error) {
    if (pid_file_.empty()) return true;
    written_ = write_pid_file(pid_file_, getpid(), error);
    return written_;
  }
  std::string reload_status_file() const { return pid_file_.empty() ? "" : reload_status_path(pid_file_); }

 private:
  std::string pid_file_;
  bool written_ = false;
};

bool wait_until(Ms limit, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(kControlPoll);
  }
  return done();
}

int wait_for_reload(const std::string& pid_file, pid_t pid) {
  std::string status_file = reload_status_path(pid_file);
  ReloadStatus before;
  if (!read_reload_status(status_file, &before)) before.sequence = 0;
  if (kill(pid, SIGHUP) != 0) {
    fprintf(stderr, "hearth: kill(%d, SIGHUP) failed: %s\n", pid, strerror(errno));
    return 1;
  }
  ReloadStatus now;
  bool finished = wait_until(kReloadWait, [&] {
    return !process_alive(pid) || (read_reload_status(status_file, &now) && now.sequence > before.sequence);
  });
  if (!finished) {
    fprintf(stderr, "hearth: no reload outcome after %lld s\n", static_cast<long long>(kReloadWait.count() / 1000));
    return 1;
  }
  if (!(read_reload_status(status_file, &now) && now.sequence > before.sequence)) {
    fprintf(stderr, "hearth: the master (pid %d) exited during the reload\n", pid);
    return 1;
  }
  if (!now.ok) {
    fprintf(stderr, "hearth: reload failed: %s\n", now.message.c_str());
    return 1;
  }
  printf("hearth: reload done: %s\n", now.message.c_str());
  return 0;
}

// The master removes its pid file as its last act; a zombie master (whose
// parent has not reaped it yet) still passes kill(pid, 0), so look at both.
bool master_gone(const std::string& pid_file, pid_t pid) {
  pid_t current = 0;
  std::string ignored;
  return !process_alive(pid) || !read_pid_file(pid_file, &current, &ignored) || current != pid;
}

// Workers inherit the limit across fork; too low a hard limit is worth a warning, not a refusal.
void ensure_open_file_limit(const Config& config) {
  std::string warning;
  if (!raise_open_file_limit(config.limits.max_connections, &warning)) spdlog::warn("{}", warning);
}

}  // namespace

int run_master(const CommandLine& cl, const Config& config) {
  const std::string& pid_file = config.supervisor.pid_file;
  std::string error;
  ensure_open_file_limit(config);
  if (!check_not_running(pid_file, &error)) {
    startup_error(config, error);
    return 1;
  }
  int listen_fd = bind_or_report(config);
  if (listen_fd < 0) return 1;
  auto table = StatusTable::create(&error);
  if (!table) {
    startup_error(config, error);
    return 1;
  }
  Daemon daemon;
  if (config.supervisor.daemon && !daemon.detach(&error)) {
    startup_error(config, error);
    return 1;
  }
  PidFiles files(pid_file);
  if (!files.write(&error)) {
    startup_error(config, error);
    daemon.failed(error);
    return 1;
  }
  daemon.started();
  Master master(cl, config, listen_fd, table.get(), files.reload_status_file());
  return master.run();
}

int run_single(const Config& config) {
  ensure_open_file_limit(config);
  int listen_fd = bind_or_report(config);
  if (listen_fd < 0) return 1;
  std::string error;
  auto table = StatusTable::create(&error);
  if (table) {
    table->set_master({getpid(), time(nullptr), 1, 1});
    SlotStatus slot;
    slot.pid = getpid();
    slot.started = time(nullptr);
    table->set_slot(1, slot);
    set_process_status_table(table.get());
  }
  signal(SIGPIPE, SIG_IGN);
  return run_worker(config, listen_fd, -1, WorkerIdentity{1, 1});
}

int run_control_command(const std::string& command, const Config& config) {
  const std::string& pid_file = config.supervisor.pid_file;
  if (pid_file.empty()) {
    fprintf(stderr, "hearth: -s %s needs supervisor.pid_file in the config (or --pid-file)\n", command.c_str());
    return 1;
  }
  pid_t pid = 0;
  std::string error;
  if (!read_pid_file(pid_file, &pid, &error)) {
    fprintf(stderr, "hearth: %s (is hearth running?)\n", error.c_str());
    return 1;
  }
  if (!process_alive(pid)) {
    fprintf(stderr, "hearth: no process %d: stale pid file %s\n", pid, pid_file.c_str());
    return 1;
  }
  if (command == "reload") return wait_for_reload(pid_file, pid);
  int sig = command == "stop" ? SIGTERM : command == "quit" ? SIGQUIT : command == "reopen" ? SIGUSR1 : 0;
  if (sig == 0) {
    fprintf(stderr, "hearth: unknown signal command \"%s\" (reload, stop, quit, reopen)\n", command.c_str());
    return 1;
  }
  if (kill(pid, sig) != 0) {
    fprintf(stderr, "hearth: kill(%d) failed: %s\n", pid, strerror(errno));
    return 1;
  }
  if (sig == SIGUSR1) return 0;
  Ms limit = Ms(config.supervisor.shutdown_timeout_ms) + kStopWaitMargin;
  if (!wait_until(limit, [&] { return master_gone(pid_file, pid); })) {
    fprintf(stderr, "hearth: the master (pid %d) is still running after %lld s\n", pid,
            static_cast<long long>(limit.count() / 1000));
    return 1;
  }
  return 0;
}

}  // namespace hearth
