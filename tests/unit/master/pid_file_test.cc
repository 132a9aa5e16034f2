#include "master/pid_file.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

namespace hearth {
namespace {

class PidFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hearth-pidfile-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/hearth.pid";
  }
  void TearDown() override {
    unlink(path_.c_str());
    unlink(reload_status_path(path_).c_str());
    unlink(upgrade_status_path(path_).c_str());
    rmdir(dir_.c_str());
  }
  void write_raw(const std::string& text) { std::ofstream(path_) << text; }

  std::string dir_, path_;
};

TEST_F(PidFileTest, WritesAndReadsBack) {
  std::string error;
  ASSERT_TRUE(write_pid_file(path_, 4121, &error)) << error;
  pid_t pid = 0;
  ASSERT_TRUE(read_pid_file(path_, &pid, &error)) << error;
  EXPECT_EQ(pid, 4121);
  std::ifstream in(path_);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "4121\n");
}

TEST_F(PidFileTest, LeavesNoTemporaryFileBehind) {
  std::string error;
  ASSERT_TRUE(write_pid_file(path_, 1, &error));
  ASSERT_TRUE(write_pid_file(path_, 2, &error));
  EXPECT_NE(access((path_ + ".tmp." + std::to_string(getpid())).c_str(), F_OK), 0);
}

TEST_F(PidFileTest, MissingOrGarbageIsAnError) {
  pid_t pid = 0;
  std::string error;
  EXPECT_FALSE(read_pid_file(path_, &pid, &error));
  EXPECT_NE(error.find(path_), std::string::npos);
  write_raw("hello\n");
  EXPECT_FALSE(read_pid_file(path_, &pid, &error));
  write_raw("-5\n");
  EXPECT_FALSE(read_pid_file(path_, &pid, &error));
  write_raw("12x\n");
  EXPECT_FALSE(read_pid_file(path_, &pid, &error));
}

TEST_F(PidFileTest, UnwritableFolderIsAnError) {
  std::string error;
  EXPECT_FALSE(write_pid_file(dir_ + "/no/such/folder/hearth.pid", 1, &error));
  EXPECT_NE(error.find("no/such/folder"), std::string::npos) << error;
}

TEST_F(PidFileTest, RefusesWhenTheNamedProcessIsAlive) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  std::string error;
  ASSERT_TRUE(write_pid_file(path_, child, &error));
  EXPECT_FALSE(check_not_running(path_, &error));
  EXPECT_EQ(error, "hearth already running (pid " + std::to_string(child) + ")");
  kill(child, SIGKILL);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  // Now the file is stale: starting is fine.
  EXPECT_TRUE(check_not_running(path_, &error));
}

TEST_F(PidFileTest, APidReusedByAnotherProgramIsStale) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl("/bin/sleep", "sleep", "10", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait (bounded) until the child runs the other program.
  std::string exe;
  for (int i = 0; i < 500 && exe.find("sleep") == std::string::npos; i++) {
    char buf[4096];
    ssize_t n = readlink(("/proc/" + std::to_string(child) + "/exe").c_str(), buf, sizeof buf);
    exe = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    usleep(2000);
  }
  std::string error;
  ASSERT_TRUE(write_pid_file(path_, child, &error));
  EXPECT_TRUE(check_not_running(path_, &error)) << error;
  kill(child, SIGKILL);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
}

TEST_F(PidFileTest, OwnPidAndNoFileAreFine) {
  std::string error;
  EXPECT_TRUE(check_not_running(path_, &error));
  EXPECT_TRUE(check_not_running("", &error));
  ASSERT_TRUE(write_pid_file(path_, getpid(), &error));
  EXPECT_TRUE(check_not_running(path_, &error));
}

TEST_F(PidFileTest, ReloadStatusRoundTrips) {
  std::string status_path = reload_status_path(path_);
  EXPECT_EQ(status_path, path_ + ".reload");
  ReloadStatus s;
  EXPECT_FALSE(read_reload_status(status_path, &s));
  std::string error;
  ASSERT_TRUE(write_reload_status(status_path, {3, false, "/etc/h.json:7:3: syntax error"}, &error));
  ASSERT_TRUE(read_reload_status(status_path, &s));
  EXPECT_EQ(s.sequence, 3u);
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.message, "/etc/h.json:7:3: syntax error");
  ASSERT_TRUE(write_reload_status(status_path, {4, true, "generation 2 serving"}, &error));
  ASSERT_TRUE(read_reload_status(status_path, &s));
  EXPECT_EQ(s.sequence, 4u);
  EXPECT_TRUE(s.ok);
  EXPECT_EQ(s.message, "generation 2 serving");
}

// The master a binary upgrade replaces is alive and named in the file.
TEST_F(PidFileTest, ThePredecessorOfAnUpgradeIsNoObstacle) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  std::string error;
  ASSERT_TRUE(write_pid_file(path_, child, &error));
  EXPECT_FALSE(check_not_running(path_, &error));
  EXPECT_TRUE(check_not_running(path_, &error, child)) << error;
  EXPECT_FALSE(check_not_running(path_, &error, child + 1));
  kill(child, SIGKILL);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
}

TEST_F(PidFileTest, UpgradeStatusCountsOnFromWhatTheFileSays) {
  std::string status_path = upgrade_status_path(path_);
  EXPECT_EQ(status_path, path_ + ".upgrade");
  std::string error;
  ASSERT_TRUE(write_next_status(status_path, false, "new binary exited with code 1", &error)) << error;
  ReloadStatus s;
  ASSERT_TRUE(read_reload_status(status_path, &s));
  EXPECT_EQ(s.sequence, 1u);
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.message, "new binary exited with code 1");
  // Another master (the one that replaced the writer) goes on from there.
  ASSERT_TRUE(write_next_status(status_path, true, "master 42 serving (was 41)", &error)) << error;
  ASSERT_TRUE(read_reload_status(status_path, &s));
  EXPECT_EQ(s.sequence, 2u);
  EXPECT_TRUE(s.ok);
}

TEST_F(PidFileTest, AClaimRemovesItsFilesUnlessHandedOver) {
  std::string error;
  {
    PidFileClaim claim(path_);
    ASSERT_TRUE(claim.claim(&error)) << error;
    ASSERT_TRUE(write_next_status(claim.upgrade_status_file(), true, "x", &error));
    pid_t pid = 0;
    ASSERT_TRUE(read_pid_file(path_, &pid, &error));
    EXPECT_EQ(pid, getpid());
  }
  EXPECT_NE(access(path_.c_str(), F_OK), 0);
  EXPECT_NE(access(upgrade_status_path(path_).c_str(), F_OK), 0);
  {
    PidFileClaim claim(path_);
    ASSERT_TRUE(claim.claim(&error)) << error;
    ASSERT_TRUE(claim.hand_over(4242, &error)) << error;
    EXPECT_FALSE(claim.claimed());
  }
  pid_t pid = 0;
  ASSERT_TRUE(read_pid_file(path_, &pid, &error)) << "the new master's file stays";
  EXPECT_EQ(pid, 4242);
  {
    PidFileClaim adopted(path_);
    adopted.adopt();
    EXPECT_TRUE(adopted.claimed());
  }
  EXPECT_NE(access(path_.c_str(), F_OK), 0) << "adopted, so removed at the end";
  PidFileClaim none("");
  EXPECT_TRUE(none.claim(&error));
  EXPECT_EQ(none.reload_status_file(), "");
}

}  // namespace
}  // namespace hearth
