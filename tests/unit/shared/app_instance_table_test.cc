#include "shared/app_instance_table.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hearth {
namespace {

std::unique_ptr<AppInstanceTable> make_table() {
  std::string error;
  auto t = AppInstanceTable::create(&error);
  EXPECT_NE(t, nullptr) << error;
  return t;
}

AppInstanceStatus ready_instance(int slot, pid_t pid, uint64_t serial, const std::string& address) {
  AppInstanceStatus s;
  s.state = AppInstanceState::kReady;
  s.slot = slot;
  s.pid = pid;
  s.serial = serial;
  std::string error;
  EXPECT_TRUE(parse_upstream_address(address, &s.address, &error)) << error;
  s.started = 1700000000;
  return s;
}

bool wait_for_exit_zero(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(AppInstanceTable, StartsFree) {
  auto t = make_table();
  for (int e : {0, 1, AppInstanceTable::kMaxEntries - 1}) {
    AppInstanceStatus s = t->get(e);
    EXPECT_EQ(s.state, AppInstanceState::kFree);
    EXPECT_EQ(s.pid, 0);
    EXPECT_EQ(s.address.text, "");
    EXPECT_EQ(t->outstanding(e), 0);
  }
  EXPECT_EQ(t->version(), 0u);
}

TEST(AppInstanceTable, RoundTripsAnEntryWithItsParsedAddress) {
  auto t = make_table();
  AppInstanceStatus s = ready_instance(2, 4242, 7, "127.0.0.1:41003");
  s.restarts = 3;
  s.last_exit = "exited with code 2";
  t->set(5, s);
  AppInstanceStatus r = t->get(5);
  EXPECT_EQ(r.state, AppInstanceState::kReady);
  EXPECT_EQ(r.slot, 2);
  EXPECT_EQ(r.pid, 4242);
  EXPECT_EQ(r.serial, 7u);
  EXPECT_EQ(r.started, 1700000000);
  EXPECT_EQ(r.restarts, 3u);
  EXPECT_EQ(r.last_exit, "exited with code 2");
  EXPECT_EQ(r.address.text, "127.0.0.1:41003");
  EXPECT_EQ(r.address.host, "127.0.0.1");
  EXPECT_EQ(r.address.port, 41003);
  EXPECT_EQ(t->get(4).state, AppInstanceState::kFree);
}

TEST(AppInstanceTable, KeepsAUnixSocketAddress) {
  auto t = make_table();
  t->set(0, ready_instance(1, 10, 1, "unix:/tmp/hearth-app-AbC123/app-1-1.sock"));
  AppInstanceStatus r = t->get(0);
  EXPECT_TRUE(r.address.is_unix());
  EXPECT_EQ(r.address.socket_path, "/tmp/hearth-app-AbC123/app-1-1.sock");
}

TEST(AppInstanceTable, EverySetBumpsTheVersion) {
  auto t = make_table();
  uint64_t v0 = t->version();
  t->set(1, ready_instance(1, 10, 1, "127.0.0.1:9000"));
  uint64_t v1 = t->version();
  t->set(1, AppInstanceStatus{});
  EXPECT_GT(v1, v0);
  EXPECT_GT(t->version(), v1);
}

TEST(AppInstanceTable, CutsLongExitText) {
  auto t = make_table();
  AppInstanceStatus s;
  s.state = AppInstanceState::kStopped;
  s.last_exit = std::string(200, 'x');
  t->set(3, s);
  EXPECT_EQ(t->get(3).last_exit, std::string(AppInstanceTable::kMaxExitText, 'x'));
}

TEST(AppInstanceTable, OutstandingCountsNeverReadNegativeAndReset) {
  auto t = make_table();
  t->add_outstanding(2, +1);
  t->add_outstanding(2, +1);
  EXPECT_EQ(t->outstanding(2), 2);
  t->add_outstanding(2, -1);
  EXPECT_EQ(t->outstanding(2), 1);
  t->reset_outstanding(2);
  t->add_outstanding(2, -1);  // a request that began before the reset ends
  EXPECT_EQ(t->outstanding(2), 0);
  t->reset_outstanding(2);
  EXPECT_EQ(t->outstanding(3), 0);
}

TEST(AppInstanceTable, StatesHaveTheNamesStatusShows) {
  EXPECT_STREQ(app_instance_state_name(AppInstanceState::kFree), "free");
  EXPECT_STREQ(app_instance_state_name(AppInstanceState::kStarting), "starting");
  EXPECT_STREQ(app_instance_state_name(AppInstanceState::kReady), "ready");
  EXPECT_STREQ(app_instance_state_name(AppInstanceState::kDraining), "draining");
  EXPECT_STREQ(app_instance_state_name(AppInstanceState::kStopped), "stopped");
}

// A worker counts in its own process; the master reads the sum.
TEST(AppInstanceTable, OutstandingCountsAcrossProcesses) {
  auto t = make_table();
  constexpr int kRounds = 100000;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    for (int i = 0; i < kRounds; i++) t->add_outstanding(1, +1);
    for (int i = 0; i < kRounds - 5; i++) t->add_outstanding(1, -1);
    _exit(0);
  }
  for (int i = 0; i < kRounds; i++) t->add_outstanding(1, +1);
  for (int i = 0; i < kRounds; i++) t->add_outstanding(1, -1);
  ASSERT_TRUE(wait_for_exit_zero(pid));
  EXPECT_EQ(t->outstanding(1), 5);
}

TEST(AppInstanceTable, ChildSeesWritesMadeAfterFork) {
  auto t = make_table();
  int to_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char c;
    ssize_t n = read(to_child[0], &c, 1);
    AppInstanceStatus s = t->get(9);
    _exit(n == 1 && s.state == AppInstanceState::kDraining && s.address.port == 9001 ? 0 : 1);
  }
  AppInstanceStatus s = ready_instance(1, 77, 3, "127.0.0.1:9001");
  s.state = AppInstanceState::kDraining;
  t->set(9, s);
  ASSERT_EQ(write(to_child[1], "x", 1), 1);
  close(to_child[0]);
  close(to_child[1]);
  EXPECT_TRUE(wait_for_exit_zero(pid));
}

TEST(AppInstanceTable, ReaderNeverSeesAMixOfTwoWrites) {
  auto t = make_table();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Every write keeps pid == serial == restarts; a torn read breaks that.
    for (int i = 0; i < 100000; i++) {
      AppInstanceStatus r = t->get(0);
      if (static_cast<uint64_t>(r.pid) != r.serial || r.serial != r.restarts) _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  for (uint32_t i = 1; waitpid(pid, &status, WNOHANG) == 0 && i < 20000000; i++) {
    AppInstanceStatus s;
    s.state = AppInstanceState::kReady;
    s.pid = static_cast<pid_t>(i);
    s.serial = i;
    s.restarts = i;
    t->set(0, s);
  }
  if (waitpid(pid, &status, WNOHANG) == 0) {
    ASSERT_EQ(waitpid(pid, &status, 0), pid);  // bounded: the writer ran out of iterations first
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(AppInstanceTable, ProcessTableIsClearedWhenItsTableGoes) {
  auto t = make_table();
  set_process_app_instance_table(t.get());
  EXPECT_EQ(process_app_instance_table(), t.get());
  t.reset();
  EXPECT_EQ(process_app_instance_table(), nullptr);
}

}  // namespace
}  // namespace hearth
