#include "master/exit_status.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hearth {
namespace {

int status_of(void (*body)()) {
  pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return status;
}

TEST(ExitStatus, DescribesExitCodes) {
  int status = status_of([] { _exit(3); });
  EXPECT_EQ(describe_exit(status), "exited with code 3");
  EXPECT_FALSE(exited_cleanly(status));
  status = status_of([] { _exit(0); });
  EXPECT_EQ(describe_exit(status), "exited with code 0");
  EXPECT_TRUE(exited_cleanly(status));
}

TEST(ExitStatus, DescribesSignalsByName) {
  int status = status_of([] { raise(SIGKILL); });
  EXPECT_EQ(describe_exit(status), "killed by SIGKILL");
  EXPECT_FALSE(exited_cleanly(status));
  status = status_of([] {
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);  // keep the test from writing a core
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
  });
  EXPECT_EQ(describe_exit(status), "killed by SIGSEGV");
}

TEST(ExitStatus, MentionsACoreDump) {
  // A synthetic status: SIGSEGV with the core flag, as waitpid reports it.
  int status = SIGSEGV | 0x80;
  ASSERT_TRUE(WIFSIGNALED(status) && WCOREDUMP(status));
  EXPECT_EQ(describe_exit(status), "killed by SIGSEGV (core dumped)");
}

}  // namespace
}  // namespace hearth
