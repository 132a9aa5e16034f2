// Only async-signal-safe calls below the handler: write, shutdown, recv, raise
// (and those of worker/handover/crash_handover.cc).
#include "worker/crash_guard.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "worker/handover/crash_handover.h"

namespace hearth {

namespace {

constexpr char kResponse[] =
    "HTTP/1.1 500 Internal Server Error\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 22\r\n"
    "Connection: close\r\n"
    "\r\n"
    "Internal Server Error\n";
static_assert(sizeof("Internal Server Error\n") - 1 == 22, "Content-Length must match the body");

constexpr int kFatalSignals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
// Big enough for the handler itself; it lets a stack overflow reach the handler.
constexpr size_t kAltStackBytes = 64 * 1024;
alignas(16) char g_alt_stack[kAltStackBytes];

volatile sig_atomic_t g_request_fd = -1;
bool g_installed = false;

void write_fully(int fd, const char* data, size_t size) {
  // Bounded: a full send buffer (EAGAIN on the non-blocking socket) ends it.
  for (int attempts = 0; size > 0 && attempts < 100; attempts++) {
    ssize_t n = write(fd, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      return;
    }
  }
}

// Reads what the client sent and nobody read, so that the kernel ends the
// connection with FIN after our 500 instead of a RST that could discard it.
void drain_unread_input(int fd) {
  char buf[4096];
  for (int i = 0; i < 16; i++) {
    if (recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) return;
  }
}

// The crashing request's 500, if one is marked: its socket, else -1.
int answer_marked_request() {
  int fd = g_request_fd;
  if (fd < 0) return -1;
  g_request_fd = -1;
  answer_and_close(fd, kResponse, sizeof kResponse - 1);
  return fd;
}

// Whatever comes next (the watchdog's SIGABRT during a SIGSEGV's hand-over)
// kills with the default action: connections are handed over once.
void restore_default_actions() {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (int sig : kFatalSignals) sigaction(sig, &sa, nullptr);
}

void on_fatal_signal(int sig) {
  restore_default_actions();
  int answered = answer_marked_request();
  hand_over_connections(answered, answered >= 0);
  // SA_RESETHAND restored the default action; the signal is blocked while we
  // run, so it is delivered (and kills us with the real cause) on return.
  raise(sig);
}

}  // namespace

void install_crash_guard() {
  if (g_installed) return;
  g_installed = true;
  stack_t ss{};
  ss.ss_sp = g_alt_stack;
  ss.ss_size = kAltStackBytes;
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
  // One handler run at a time: a watchdog's SIGABRT arriving during a
  // SIGSEGV's hand-over waits (and then kills, see restore_default_actions).
  sigemptyset(&sa.sa_mask);
  for (int sig : kFatalSignals) sigaddset(&sa.sa_mask, sig);
  for (int sig : kFatalSignals) sigaction(sig, &sa, nullptr);
}

void crash_guard_begin_request(int fd) { g_request_fd = fd; }
void crash_guard_end_request() { g_request_fd = -1; }
void crash_guard_fail_request() {
  int answered = answer_marked_request();
  hand_over_connections(answered, answered >= 0);
}

void answer_and_close(int fd, const char* data, size_t size) {
  int saved_errno = errno;
  if (size > 0) write_fully(fd, data, size);
  shutdown(fd, SHUT_WR);
  drain_unread_input(fd);
  errno = saved_errno;
}

}  // namespace hearth
