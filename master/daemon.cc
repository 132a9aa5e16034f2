#include "master/daemon.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hearth {

namespace {

constexpr size_t kMaxMessage = 1024;

// The original process: wait for the daemon's verdict, "1" (started) or
// "0<message>" (failed), or EOF (died).
[[noreturn]] void wait_for_daemon(int read_fd, pid_t first_child) {
  std::string verdict;
  char buf[256];
  while (verdict.size() < kMaxMessage) {
    ssize_t n = read(read_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    verdict.append(buf, static_cast<size_t>(n));
  }
  waitpid(first_child, nullptr, 0);
  if (verdict == "1") _exit(0);
  if (verdict.size() > 1) fprintf(stderr, "hearth: %s\n", verdict.c_str() + 1);
  else fprintf(stderr, "hearth: the daemon exited before it started\n");
  _exit(1);
}

void stdio_to_dev_null() {
  int fd = open("/dev/null", O_RDWR);
  if (fd < 0) return;
  dup2(fd, STDIN_FILENO);
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  if (fd > STDERR_FILENO) close(fd);
}

}  // namespace

bool Daemon::detach(std::string* error) {
  int p[2];
  if (pipe(p) != 0) {
    *error = std::string("pipe() failed: ") + strerror(errno);
    return false;
  }
  pid_t first = fork();
  if (first < 0) {
    *error = std::string("fork() failed: ") + strerror(errno);
    return false;
  }
  if (first > 0) {
    close(p[1]);
    wait_for_daemon(p[0], first);
  }
  close(p[0]);
  setsid();
  // The second fork: the daemon is not a session leader, so it can never
  // acquire a controlling terminal again.
  pid_t second = fork();
  if (second < 0) _exit(1);
  if (second > 0) _exit(0);
  if (chdir("/") != 0) {
    // Not fatal: paths in the config are absolute already.
  }
  umask(022);
  stdio_to_dev_null();
  notify_fd_ = p[1];
  return true;
}

void Daemon::started() {
  if (notify_fd_ < 0) return;
  ssize_t n = write(notify_fd_, "1", 1);
  (void)n;
  close(notify_fd_);
  notify_fd_ = -1;
}

void Daemon::failed(const std::string& message) {
  if (notify_fd_ < 0) return;
  std::string verdict = "0" + message.substr(0, kMaxMessage - 1);
  ssize_t n = write(notify_fd_, verdict.data(), verdict.size());
  (void)n;
  close(notify_fd_);
  notify_fd_ = -1;
}

}  // namespace hearth
