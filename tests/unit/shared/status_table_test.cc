#include "shared/status_table.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hearth {
namespace {

std::unique_ptr<StatusTable> make_table() {
  std::string error;
  auto t = StatusTable::create(&error);
  EXPECT_NE(t, nullptr) << error;
  return t;
}

TEST(StatusTable, StartsEmpty) {
  auto t = make_table();
  EXPECT_EQ(t->master().pid, 0);
  EXPECT_EQ(t->slot(1).pid, 0);
  EXPECT_EQ(t->slot(StatusTable::kMaxSlots).last_exit, "");
}

TEST(StatusTable, RoundTripsMasterAndSlots) {
  auto t = make_table();
  t->set_master({1234, 1700000000, 3, 2});
  SlotStatus s;
  s.pid = 4121;
  s.started = 1700000001;
  s.requests = 1ull << 40;
  s.active_connections = 9;
  s.restarts = 2;
  s.last_exit = "killed by SIGSEGV (core dumped)";
  t->set_slot(2, s);
  MasterStatus m = t->master();
  EXPECT_EQ(m.pid, 1234);
  EXPECT_EQ(m.started, 1700000000);
  EXPECT_EQ(m.generation, 3u);
  EXPECT_EQ(m.workers, 2);
  SlotStatus r = t->slot(2);
  EXPECT_EQ(r.pid, 4121);
  EXPECT_EQ(r.started, 1700000001);
  EXPECT_EQ(r.requests, 1ull << 40);
  EXPECT_EQ(r.active_connections, 9u);
  EXPECT_EQ(r.restarts, 2u);
  EXPECT_EQ(r.last_exit, "killed by SIGSEGV (core dumped)");
  EXPECT_EQ(t->slot(1).pid, 0);
}

TEST(StatusTable, CutsLongExitText) {
  auto t = make_table();
  SlotStatus s;
  s.last_exit = std::string(100, 'x');
  t->set_slot(1, s);
  EXPECT_EQ(t->slot(1).last_exit, std::string(StatusTable::kMaxExitText, 'x'));
}

TEST(StatusTable, ChildSeesWritesMadeAfterFork) {
  auto t = make_table();
  int to_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char c;
    ssize_t n = read(to_child[0], &c, 1);
    _exit(n == 1 && t->slot(5).requests == 77 && t->master().generation == 9 ? 0 : 1);
  }
  SlotStatus s;
  s.requests = 77;
  t->set_slot(5, s);
  t->set_master({getpid(), 1, 9, 5});
  ASSERT_EQ(write(to_child[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  close(to_child[0]);
  close(to_child[1]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(StatusTable, ReaderNeverSeesAMixOfTwoWrites) {
  auto t = make_table();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Every write keeps requests == restarts == pid; a torn read breaks that.
    for (int i = 0; i < 200000; i++) {
      SlotStatus r = t->slot(1);
      if (r.requests != r.restarts || static_cast<uint64_t>(r.pid) != r.requests) _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  for (uint32_t i = 1; waitpid(pid, &status, WNOHANG) == 0 && i < 50000000; i++) {
    SlotStatus s;
    s.pid = static_cast<pid_t>(i);
    s.requests = i;
    s.restarts = i;
    t->set_slot(1, s);
  }
  if (waitpid(pid, &status, WNOHANG) == 0) {
    // Bounded: the writer ran out of iterations first; wait for the reader.
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(StatusTable, ProcessTableIsClearedWhenItsTableGoes) {
  auto t = make_table();
  set_process_status_table(t.get());
  EXPECT_EQ(process_status_table(), t.get());
  t.reset();
  EXPECT_EQ(process_status_table(), nullptr);
}

}  // namespace
}  // namespace hearth
