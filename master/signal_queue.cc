#include "master/signal_queue.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace hearth {

namespace {

constexpr int kQueuedSignals[] = {SIGHUP, SIGTERM, SIGQUIT, SIGINT, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU, SIGCHLD};
constexpr size_t kMaxTakenPerCall = 256;

int g_write_fd = -1;

void on_signal(int sig) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(sig);
  // A full pipe drops the byte; the master drains it every loop turn, so
  // that takes hundreds of queued signals, and losing a CHLD is harmless
  // (reaping runs every turn anyway).
  ssize_t n = write(g_write_fd, &byte, 1);
  (void)n;
  errno = saved;
}

bool set_flags(int fd) {
  return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 &&
         fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

}  // namespace

bool SignalQueue::install() {
  int p[2];
  if (pipe(p) != 0) return false;
  read_fd_ = p[0];
  write_fd_ = p[1];
  if (!set_flags(read_fd_) || !set_flags(write_fd_)) return false;
  g_write_fd = write_fd_;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : kQueuedSignals) {
    if (sigaction(sig, &sa, nullptr) != 0) return false;
  }
  signal(SIGPIPE, SIG_IGN);
  return true;
}

std::vector<int> SignalQueue::take() {
  std::vector<int> out;
  unsigned char buf[64];
  while (out.size() < kMaxTakenPerCall) {
    ssize_t n = read(read_fd_, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; i++) out.push_back(buf[i]);
  }
  return out;
}

void SignalQueue::reset_in_child() {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (int sig : kQueuedSignals) sigaction(sig, &sa, nullptr);
  // Workers must survive writes to a closed client socket.
  signal(SIGPIPE, SIG_IGN);
  close(read_fd_);
  close(write_fd_);
  g_write_fd = read_fd_ = write_fd_ = -1;
}

SignalBlock::SignalBlock() {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old_);
}

SignalBlock::~SignalBlock() { release(); }

void SignalBlock::release() {
  if (!active_) return;
  active_ = false;
  sigprocmask(SIG_SETMASK, &old_, nullptr);
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD";
    case SIGTTIN: return "SIGTTIN";
    case SIGTTOU: return "SIGTTOU";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGSYS: return "SIGSYS";
    default: break;
  }
  static thread_local char buf[32];
  snprintf(buf, sizeof buf, "signal %d", sig);
  return buf;
}

}  // namespace hearth
