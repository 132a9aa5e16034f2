#include "master/open_file_limit.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(OpenFileLimit, RaisesTheSoftLimitForMaxConnections) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 8192) GTEST_SKIP() << "hard limit " << saved.rlim_max;
  rlimit low{1024, saved.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  std::string message;
  EXPECT_TRUE(raise_open_file_limit(4096, &message)) << message;
  rlimit now{};
  getrlimit(RLIMIT_NOFILE, &now);
  EXPECT_GE(now.rlim_cur, 4096u);
  setrlimit(RLIMIT_NOFILE, &saved);
}

TEST(OpenFileLimit, TooLowAHardLimitIsReported) {
  // In a child: a lowered hard limit cannot be raised again.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit low{1024, 3000};
    if (setrlimit(RLIMIT_NOFILE, &low) != 0) _exit(2);
    std::string message;
    bool ok = raise_open_file_limit(4096, &message);
    rlimit now{};
    getrlimit(RLIMIT_NOFILE, &now);
    bool raised_to_hard = now.rlim_cur == 3000;
    bool names_key = message.find("limits.max_connections") != std::string::npos;
    _exit(!ok && raised_to_hard && names_key ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace hearth
