#include "worker/crash_guard.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>

#include <gtest/gtest.h>

namespace hearth {
namespace {

const char kExpected[] =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n"
    "Connection: close\r\n\r\nInternal Server Error\n";

struct Outcome {
  std::string received;  // what the "client" end read until EOF
  int status = 0;        // waitpid status of the child
};

// Runs `crash` in a child with the guard installed and a request marked
// (when `mark`) on one end of a socketpair; reads the other end.
Outcome run_child(bool mark, const std::function<void()>& crash) {
  int sv[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    install_crash_guard();
    if (mark) crash_guard_begin_request(sv[1]);
    crash();
    _exit(0);
  }
  close(sv[1]);
  Outcome out;
  char buf[512];
  ssize_t n;
  while ((n = read(sv[0], buf, sizeof buf)) > 0) out.received.append(buf, static_cast<size_t>(n));
  close(sv[0]);
  EXPECT_EQ(waitpid(pid, &out.status, 0), pid);
  return out;
}

// A store into the unmapped first page: a real fault. Not through null,
// which the sanitizer build reports and exits on instead.
volatile uintptr_t g_bad_address = 16;

void write_to_unmapped_page() { *reinterpret_cast<volatile int*>(g_bad_address) = 1; }

// Deep enough to overflow any stack; volatile so the compiler keeps the recursion.
volatile int g_depth_limit = 1 << 30;

int recurse_forever(int depth) {
  if (depth > g_depth_limit) return 0;
  volatile char pad[1024];
  pad[0] = static_cast<char>(depth);
  return recurse_forever(depth + 1) + pad[0];
}

TEST(CrashGuard, SegvAnswers500AndDiesOfSegv) {
  Outcome o = run_child(true, write_to_unmapped_page);
  EXPECT_EQ(o.received, kExpected);
  ASSERT_TRUE(WIFSIGNALED(o.status));
  EXPECT_EQ(WTERMSIG(o.status), SIGSEGV);
}

TEST(CrashGuard, AbortAnswers500AndDiesOfAbort) {
  Outcome o = run_child(true, [] { abort(); });
  EXPECT_EQ(o.received, kExpected);
  ASSERT_TRUE(WIFSIGNALED(o.status));
  EXPECT_EQ(WTERMSIG(o.status), SIGABRT);
}

TEST(CrashGuard, StackOverflowReachesTheHandler) {
  Outcome o = run_child(true, [] { recurse_forever(0); });
  EXPECT_EQ(o.received, kExpected);
  ASSERT_TRUE(WIFSIGNALED(o.status));
  EXPECT_EQ(WTERMSIG(o.status), SIGSEGV);
}

TEST(CrashGuard, NothingWrittenWithoutAMarkedRequest) {
  Outcome o = run_child(false, write_to_unmapped_page);
  EXPECT_EQ(o.received, "");
  ASSERT_TRUE(WIFSIGNALED(o.status));
  EXPECT_EQ(WTERMSIG(o.status), SIGSEGV);
}

TEST(CrashGuard, EndedRequestIsNotAnswered) {
  Outcome o = run_child(true, [] {
    crash_guard_end_request();
    raise(SIGBUS);
  });
  EXPECT_EQ(o.received, "");
  ASSERT_TRUE(WIFSIGNALED(o.status));
  EXPECT_EQ(WTERMSIG(o.status), SIGBUS);
}

TEST(CrashGuard, FailRequestAnswersOnceBeforeAnExit) {
  Outcome o = run_child(true, [] {
    crash_guard_fail_request();
    crash_guard_fail_request();
    _exit(3);
  });
  EXPECT_EQ(o.received, kExpected);
  ASSERT_TRUE(WIFEXITED(o.status));
  EXPECT_EQ(WEXITSTATUS(o.status), 3);
}

}  // namespace
}  // namespace hearth
