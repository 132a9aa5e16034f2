// The pieces of a binary upgrade that need no second master: the variables
// that cross the exec, the line protocol, and one real fork + exec.
#include "master/binary_upgrade.h"
#include "master/listen_sockets.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "master/listen_socket.h"

namespace hearth {
namespace {

TEST(BinaryUpgrade, FdListsRoundTrip) {
  EXPECT_EQ(format_fd_list({5}), "5");
  EXPECT_EQ(format_fd_list({5, 6, 12}), "5,6,12");
  std::vector<int> fds;
  std::string error;
  ASSERT_TRUE(parse_fd_list("5,6,12", &fds, &error)) << error;
  EXPECT_EQ(fds, (std::vector<int>{5, 6, 12}));
  ASSERT_TRUE(parse_fd_list("7", &fds, &error)) << error;
  EXPECT_EQ(fds, std::vector<int>{7});
}

TEST(BinaryUpgrade, BadFdListsSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "expected descriptor numbers separated by commas, got \"\""},
      {"5,", "expected descriptor numbers separated by commas, got \"5,\""},
      {"5;6", "expected descriptor numbers separated by commas, got \"5;6\""},
      {" 5", "expected descriptor numbers separated by commas, got \" 5\""},
      {"-5", "expected descriptor numbers separated by commas, got \"-5\""},
      {"99999999999", "expected descriptor numbers separated by commas, got \"99999999999\""},
      {"2", "descriptor 2 is stdio"},
      {"5,6,5", "descriptor 5 twice"},
  };
  for (const Case& c : cases) {
    std::vector<int> fds = {42};
    std::string error;
    EXPECT_FALSE(parse_fd_list(c.text, &fds, &error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
    EXPECT_EQ(fds, std::vector<int>{42}) << "untouched on failure";
  }
  std::string many;
  for (int fd = 3; fd < 3 + static_cast<int>(kMaxInheritedFds) + 1; fd++) many += (many.empty() ? "" : ",") + std::to_string(fd);
  std::vector<int> fds;
  std::string error;
  EXPECT_FALSE(parse_fd_list(many, &fds, &error));
  EXPECT_EQ(error, "more than 64 descriptors");
}

TEST(BinaryUpgrade, EnvironmentReplacesEarlierUpgradeVariables) {
  const char* env[] = {"PATH=/usr/bin", "HEARTH_LISTEN_FDS=9", "HOME=/root", "HEARTH_UPGRADE_FD=10",
                       "HEARTH_LISTEN_FDS_X=keep", nullptr};
  std::vector<std::string> out = upgrade_environment(env, {5, 6}, 7);
  std::vector<std::string> expected = {"PATH=/usr/bin", "HOME=/root", "HEARTH_LISTEN_FDS_X=keep",
                                       "HEARTH_LISTEN_FDS=5,6", "HEARTH_UPGRADE_FD=7"};
  EXPECT_EQ(out, expected);
  EXPECT_EQ(upgrade_environment(nullptr, {5}, 6).size(), 2u);
}

TEST(BinaryUpgrade, LinesAreSplitAndBounded) {
  LineBuffer lines;
  EXPECT_TRUE(lines.feed("rea", 3).empty());
  std::vector<std::string> got = lines.feed("dy\nfailed x\npart", 16);
  EXPECT_EQ(got, (std::vector<std::string>{"ready", "failed x"}));
  EXPECT_EQ(lines.feed("ial\n", 4), std::vector<std::string>{"partial"});
  std::string huge(LineBuffer::kMaxLine * 3, 'a');
  huge += "\nnext\n";
  got = lines.feed(huge.data(), huge.size());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], std::string(LineBuffer::kMaxLine, 'a'));
  EXPECT_EQ(got[1], "next");
}

// Sets the two variables for the scope, as an upgrading master would.
struct UpgradeVariables {
  UpgradeVariables(const std::string& listen, const std::string& report) {
    setenv(kListenFdsVariable, listen.c_str(), 1);
    setenv(kUpgradeFdVariable, report.c_str(), 1);
  }
  ~UpgradeVariables() {
    unsetenv(kListenFdsVariable);
    unsetenv(kUpgradeFdVariable);
  }
};

TEST(BinaryUpgrade, TakesTheInheritedSocketsAndForgetsTheVariables) {
  std::string error;
  int listen_fd = open_listen_socket("127.0.0.1", 0, &error);
  ASSERT_GE(listen_fd, 0) << error;
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  fcntl(listen_fd, F_SETFD, 0);  // as they arrive across an exec
  UpgradeVariables vars(std::to_string(listen_fd), std::to_string(sv[1]));
  Inheritance got;
  ASSERT_TRUE(take_inheritance(&got, &error)) << error;
  EXPECT_TRUE(got.upgrading());
  EXPECT_EQ(got.listen_fds, std::vector<int>{listen_fd});
  EXPECT_EQ(got.report_fd, sv[1]);
  EXPECT_EQ(got.old_master, getppid());
  EXPECT_EQ(getenv(kListenFdsVariable), nullptr) << "our workers must not see it";
  EXPECT_EQ(getenv(kUpgradeFdVariable), nullptr);
  EXPECT_EQ(fcntl(listen_fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC) << "closed on our own exec again";
  // Nothing set: not an upgrade.
  Inheritance none;
  ASSERT_TRUE(take_inheritance(&none, &error));
  EXPECT_FALSE(none.upgrading());
  std::vector<int> fds{listen_fd};
  EXPECT_EQ(take_socket_bound_to(&fds, "127.0.0.1", 0), listen_fd);
  EXPECT_TRUE(fds.empty());
  close(listen_fd);
  close(sv[0]);
  close(sv[1]);
}

TEST(BinaryUpgrade, RefusesVariablesThatNameNoListeningSocket) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::string error;
  Inheritance got;
  {
    UpgradeVariables vars(std::to_string(sv[0]), std::to_string(sv[1]));
    EXPECT_FALSE(take_inheritance(&got, &error));
    EXPECT_EQ(error, "HEARTH_LISTEN_FDS: descriptor " + std::to_string(sv[0]) + " is not a listening socket");
  }
  {
    UpgradeVariables vars("5,x", "6");
    EXPECT_FALSE(take_inheritance(&got, &error));
    EXPECT_EQ(error, "HEARTH_LISTEN_FDS: expected descriptor numbers separated by commas, got \"5,x\"");
  }
  setenv(kListenFdsVariable, "5", 1);
  EXPECT_FALSE(take_inheritance(&got, &error));
  EXPECT_EQ(error, "HEARTH_UPGRADE_FD is missing; HEARTH_LISTEN_FDS alone is not a binary upgrade");
  EXPECT_FALSE(got.upgrading());
  close(sv[0]);
  close(sv[1]);
}

TEST(BinaryUpgrade, TakesTheSocketOnTheConfiguredAddress) {
  std::string error;
  int a = open_listen_socket("127.0.0.1", 0, &error);
  int b = open_listen_socket("127.0.0.1", 0, &error);
  ASSERT_GE(a, 0) << error;
  ASSERT_GE(b, 0) << error;
  std::string b_address = bound_address(b);
  int b_port = std::stoi(b_address.substr(b_address.rfind(':') + 1));
  std::vector<int> fds{a, b};
  EXPECT_EQ(take_socket_bound_to(&fds, "127.0.0.1", b_port), b);
  EXPECT_EQ(fds, std::vector<int>{a}) << "the other one stays for another listener";
  EXPECT_EQ(take_socket_bound_to(&fds, "127.0.0.2", b_port), -1);
  EXPECT_EQ(take_socket_bound_to(&fds, "127.0.0.1", 0), a) << "port 0: whatever the kernel picked";
  close(a);
  close(b);
}

// Polls `binary` until it leaves kStarting, at most 5 s.
NewBinary::State wait_for_report(NewBinary* binary, std::string* reason) {
  NewBinary::State state = NewBinary::State::kStarting;
  for (int i = 0; i < 500 && state == NewBinary::State::kStarting; i++) {
    state = binary->read_reports(reason);
    if (state == NewBinary::State::kStarting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return state;
}

int wait_status(pid_t pid) {
  int status = -1;
  for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) != pid; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status;
}

// A stand-in for the new master: says ready on the fd it was given, exits 0
// when told "go", 3 otherwise.
TEST(BinaryUpgrade, StartsTheBinaryWithTheLinkAndHearsItReady) {
  std::string error;
  int listen_fd = open_listen_socket("127.0.0.1", 0, &error);
  ASSERT_GE(listen_fd, 0) << error;
  SignalQueue signals;  // not installed: the child's reset is all it does
  NewBinary binary;
  const char* script =
      "[ -e /proc/self/fd/$HEARTH_LISTEN_FDS ] || exit 4; "
      "echo ready >&$HEARTH_UPGRADE_FD; read line <&$HEARTH_UPGRADE_FD; [ \"$line\" = go ] && exit 0; exit 3";
  ASSERT_TRUE(binary.start("/bin/sh", {"-c", script}, {listen_fd}, &signals, &error)) << error;
  std::string reason;
  ASSERT_EQ(wait_for_report(&binary, &reason), NewBinary::State::kReady) << reason;
  EXPECT_TRUE(binary.tell_go());
  int status = wait_status(binary.pid());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  close(listen_fd);
}

TEST(BinaryUpgrade, AFailedExecComesBackWithTheReason) {
  SignalQueue signals;
  NewBinary binary;
  std::string error;
  ASSERT_TRUE(binary.start("/nonexistent/hearth", {}, {}, &signals, &error)) << error;
  std::string reason;
  EXPECT_EQ(wait_for_report(&binary, &reason), NewBinary::State::kFailed);
  EXPECT_EQ(reason, "cannot run /nonexistent/hearth: no such file or directory");
  int status = wait_status(binary.pid());
  binary.on_exit(status);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 127) << status;
  binary.kill_it();  // reaped: must not signal a pid that may be someone else's
}

}  // namespace
}  // namespace hearth
