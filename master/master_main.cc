#include "master/master_main.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "master/binary_upgrade.h"
#include "master/daemon.h"
#include "master/listen_socket.h"
#include "master/listen_sockets.h"
#include "master/open_file_limit.h"
#include "master/master.h"
#include "master/pid_file.h"
#include "shared/app_instance_table.h"
#include "shared/status_table.h"
#include "shared/ticket_keys.h"
#include "worker/worker_main.h"

namespace hearth {

namespace {

using Ms = std::chrono::milliseconds;

constexpr Ms kControlPoll{50};
constexpr Ms kReloadWait{60000};     // config load + up to 10 s for the new workers, with margin
constexpr Ms kStopWaitMargin{5000};  // beyond shutdown_timeout
constexpr Ms kUpgradeWaitMargin{10000};  // beyond upgrade_timeout: exec, config load, killing

// Startup errors go to the error log and, when that is not the terminal
// already, to stderr too: the person who ran the command must see them.
void startup_error(const Config& config, const std::string& message) {
  spdlog::error("{}", message);
  if (config.log.error_log != "stderr") fprintf(stderr, "hearth: %s\n", message.c_str());
}

// A binary upgrade passed us the old master's sockets: serve on those the
// config still names, so no connection waits on a closed queue; a listener
// that moved elsewhere gets a socket of its own, and the rest are closed.
bool open_sockets(const Config& config, const Inheritance& inherited, const TicketKeys* keys, ListenSet* set,
                  std::string* error) {
  std::vector<int> reuse = inherited.listen_fds;
  std::string origin = inherited.upgrading() ? "inherited from master " + std::to_string(inherited.old_master) : "";
  bool ok = open_listen_set(config, &reuse, origin, keys, set, error);
  for (int fd : reuse) {
    spdlog::warn("upgrade: the config no longer listens on the inherited {}: closing it", bound_address(fd));
    close(fd);
  }
  return ok;
}

bool wait_until(Ms limit, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(kControlPoll);
  }
  return done();
}

// SigCgt in /proc/PID/status: the signals a process catches. A master built
// before binary upgrades does not catch SIGUSR2, whose default kills it.
// Unknown (no /proc): assume it does.
bool catches_signal(pid_t pid, int sig) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("SigCgt:", 0) != 0) continue;
    unsigned long long mask = strtoull(line.c_str() + 7, nullptr, 16);
    return (mask >> (sig - 1)) & 1;
  }
  return true;
}

// -s upgrade: as -s reload, through the upgrade status file, whose outcome
// the old master writes once the pid file names the new one.
int wait_for_upgrade(const Config& config, pid_t pid) {
  std::string status_file = upgrade_status_path(config.supervisor.pid_file);
  ReloadStatus before, now;
  if (!read_reload_status(status_file, &before)) before.sequence = 0;
  if (!catches_signal(pid, SIGUSR2)) {
    fprintf(stderr, "hearth: the master (pid %d) predates binary upgrades (SIGUSR2 would kill it); restart it\n", pid);
    return 1;
  }
  if (kill(pid, SIGUSR2) != 0) {
    fprintf(stderr, "hearth: kill(%d, SIGUSR2) failed: %s\n", pid, strerror(errno));
    return 1;
  }
  auto finished = [&] { return read_reload_status(status_file, &now) && now.sequence > before.sequence; };
  Ms limit = Ms(config.supervisor.upgrade_timeout_ms) + kUpgradeWaitMargin;
  bool ended = wait_until(limit, [&] { return finished() || !process_alive(pid); });
  if (!finished()) {
    if (ended) fprintf(stderr, "hearth: the master (pid %d) exited during the upgrade\n", pid);
    else fprintf(stderr, "hearth: no upgrade outcome after %lld s\n", static_cast<long long>(limit.count() / 1000));
    return 1;
  }
  if (!now.ok) {
    fprintf(stderr, "hearth: upgrade failed: %s\n", now.message.c_str());
    return 1;
  }
  printf("hearth: upgraded: %s\n", now.message.c_str());
  return 0;
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
  std::string error;
  Inheritance inherited;
  if (!take_inheritance(&inherited, &error)) {
    startup_error(config, error);
    report_early_upgrade_failure(error);
    return 1;
  }
  std::unique_ptr<OldMaster> old_master;
  if (inherited.upgrading()) old_master = std::make_unique<OldMaster>(inherited.report_fd, inherited.old_master);
  // The master that started us, if any, hears why we cannot start.
  auto fail = [&](const std::string& message) {
    startup_error(config, message);
    if (old_master) old_master->tell_failed(message);
    return 1;
  };
  ensure_open_file_limit(config);
  // The pid file still names the old master, which waits for us.
  if (!check_not_running(config.supervisor.pid_file, &error, inherited.old_master)) return fail(error);
  // Made before any fork, so every worker of every generation shares them.
  auto ticket_keys = TicketKeys::create(&error);
  if (!ticket_keys) return fail(error);
  ListenSet listen;
  if (!open_sockets(config, inherited, ticket_keys.get(), &listen, &error)) return fail(error);
  auto table = StatusTable::create(&error);
  if (!table) return fail(error);
  // Always made, even without upstream.command: a reload may add one, and
  // only workers forked after the mapping see it.
  auto app_table = AppInstanceTable::create(&error);
  if (!app_table) return fail(error);
  set_process_app_instance_table(app_table.get());
  // A new master of an upgrade is where the old one was: detached already if a daemon.
  Daemon daemon;
  if (config.supervisor.daemon && !inherited.upgrading() && !daemon.detach(&error)) return fail(error);
  PidFileClaim files(config.supervisor.pid_file);
  if (!inherited.upgrading() && !files.claim(&error)) {
    startup_error(config, error);
    daemon.failed(error);
    return 1;
  }
  daemon.started();
  Master master(cl, config, std::move(listen), ticket_keys.get(), table.get(), app_table.get(), &files, std::move(old_master));
  return master.run();
}

int run_single(const Config& config) {
  ensure_open_file_limit(config);
  if (config.upstream.supervised()) {
    spdlog::warn("--single runs no app instances: upstream.command is ignored (use upstream.servers)");
  }
  std::string error;
  auto ticket_keys = TicketKeys::create(&error);
  ListenSet listen;
  if (!ticket_keys || !open_sockets(config, Inheritance(), ticket_keys.get(), &listen, &error)) {
    startup_error(config, error);
    return 1;
  }
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
  return run_worker(config, listen, WorkerChannels{}, WorkerIdentity{1, 1});
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
  if (command == "upgrade") return wait_for_upgrade(config, pid);
  int sig = command == "stop" ? SIGTERM : command == "quit" ? SIGQUIT : command == "reopen" ? SIGUSR1 : 0;
  if (sig == 0) {
    fprintf(stderr, "hearth: unknown signal command \"%s\" (reload, stop, quit, reopen, upgrade)\n", command.c_str());
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
