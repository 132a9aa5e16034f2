// Binary upgrades (SIGUSR2, `hearth -s upgrade`): a deploy renames a new
// binary over the old one's path and the running master hands its socket to
// the new binary, losing no request; a new binary that fails, in any way,
// leaves the running master and its workers as they were.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <utility>

#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/http_client.h"
#include "tests/support/load_generator.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

namespace fs = std::filesystem;

// The builds a deploy goes between. `make test` builds two apps beside the
// hearth under test whose GET /version answers "v1" and "v2"; without them
// both builds are the hearth under test, told apart by their pids only.
struct Builds {
  std::string from, to;
  bool answer_version = false;
};

Builds deploy_builds() {
  std::string dir = fs::path(hearth_binary()).parent_path().string();
  std::string v1 = dir + "/tests/test_app_v1", v2 = dir + "/tests/test_app_v2";
  if (access(v1.c_str(), X_OK) == 0 && access(v2.c_str(), X_OK) == 0) return {v1, v2, true};
  return {hearth_binary(), hearth_binary(), false};
}

bool all_gone(const std::vector<int>& pids) {
  return eventually(10000, [&] {
    for (int p : pids) {
      if (process_exists(p)) return false;
    }
    return true;
  });
}

// Where a deploy puts the binary: one path, replaced as deploys do it (a
// new file renamed over the old path; the running master keeps its inode).
class Deployment {
 public:
  explicit Deployment(const TempDir& dir) : dir_(dir), path_(dir.path() + "/bin/hearth") {}
  const std::string& path() const { return path_; }
  void install(const std::string& build) {
    dir_.mkdir("bin");
    fs::copy_file(build, path_ + ".new", fs::copy_options::overwrite_existing);
    finish();
  }
  void install_script(const std::string& text) {
    dir_.write("bin/hearth.new", text);
    finish();
  }

 private:
  void finish() {
    chmod((path_ + ".new").c_str(), 0755);
    fs::rename(path_ + ".new", path_);
  }
  const TempDir& dir_;
  std::string path_;
};

class UpgradeTest : public ::testing::Test {
 protected:
  UpgradeTest() : deploy_(server_.dir()) {}

  // The old master: 2 workers, from the deployed `from` build.
  void start_old_master(double upgrade_timeout = 60) {
    use_supervisor_config(server_, 2);
    server_.config()["supervisor"]["upgrade_timeout"] = upgrade_timeout;
    deploy_.install(builds_.from);
    server_.set_binary(deploy_.path());
    ASSERT_TRUE(server_.start()) << server_.error_log();
    old_master_ = server_.pid();
    old_workers_ = wait_for_workers(server_.port(), 2);
    ASSERT_EQ(old_workers_.size(), 2u) << server_.error_log();
  }
  // `binary -s COMMAND -c CONFIG`, bounded.
  int control(const std::string& binary, const std::string& command, std::string* output) {
    return run_program(binary, {"-s", command, "-c", server_.config_path()}, output, 90000);
  }
  pid_t pid_in_pid_file() {
    std::string text = read_file(pid_file_of(server_));
    return text.empty() ? 0 : std::stoi(text);
  }
  std::string target() const { return builds_.answer_version ? "/version" : "/"; }
  LoadGenerator::Check answers(std::vector<std::string> versions) const {
    if (!builds_.answer_version) return nullptr;
    return [versions](const HttpResponse& r) {
      return r.status == 200 && std::find(versions.begin(), versions.end(), r.body) != versions.end();
    };
  }
  // A failed upgrade: the old master serves on with the same workers.
  void expect_nothing_changed() {
    EXPECT_TRUE(server_.running());
    EXPECT_EQ(pid_in_pid_file(), old_master_);
    nlohmann::json status = fetch_status(server_.port());
    EXPECT_EQ(status["master_pid"], old_master_);
    EXPECT_EQ(status_pids(status), old_workers_);
    if (builds_.answer_version) {
      EXPECT_EQ(http_get(server_.port(), "/version").body, "v1");
    }
  }

  Builds builds_ = deploy_builds();
  ServerProcess server_;
  Deployment deploy_;
  pid_t old_master_ = 0;
  std::vector<int> old_workers_;
};

TEST_F(UpgradeTest, ANewBuildTakesOverUnderLoadWithoutLosingARequest) {
  start_old_master();
  if (builds_.answer_version) {
    ASSERT_EQ(http_get(server_.port(), "/version").body, "v1");
  }
  LoadGenerator fresh(server_.port(), target(), 2, answers({"v1", "v2"}));
  LoadGenerator kept(server_.port(), target(), 2, answers({"v1", "v2"}), false,
                     LoadGenerator::Connections::kKeepAlive);
  ASSERT_TRUE(eventually(5000, [&] { return fresh.done() > 20 && kept.done() > 20; }));

  deploy_.install(builds_.to);
  std::string output;
  ASSERT_EQ(control(deploy_.path(), "upgrade", &output), 0) << output << server_.error_log();
  pid_t new_master = pid_in_pid_file();
  ProcessTreeGuard guard(new_master);
  ASSERT_NE(new_master, old_master_);
  EXPECT_NE(output.find("hearth: upgraded: master " + std::to_string(new_master) + " serving (was " +
                        std::to_string(old_master_) + ")"),
            std::string::npos)
      << output;
  // The old master drains its workers and leaves.
  EXPECT_TRUE(eventually(10000, [&] { return !server_.running(); })) << server_.error_log();
  EXPECT_TRUE(all_gone(old_workers_)) << server_.error_log();
  std::vector<int> new_workers = wait_for_workers(server_.port(), 2, old_workers_);
  ASSERT_EQ(new_workers.size(), 2u) << server_.error_log();
  EXPECT_EQ(fetch_status(server_.port())["master_pid"], new_master);
  if (builds_.answer_version) {
    EXPECT_EQ(http_get(server_.port(), "/version").body, "v2");
  }

  int before = fresh.done() + kept.done();
  ASSERT_TRUE(eventually(5000, [&] { return fresh.done() + kept.done() > before + 20; }));
  for (LoadResult result : {fresh.stop(), kept.stop()}) {
    EXPECT_EQ(result.failed, 0) << (result.failures.empty() ? "" : result.failures[0]);
    EXPECT_GT(result.ok, 40);
  }
  std::string log = server_.error_log();
  EXPECT_NE(log.find("upgrade: starting " + deploy_.path()), std::string::npos) << log;
  EXPECT_NE(log.find("upgrade: new master " + std::to_string(new_master) + " ready; draining old workers"),
            std::string::npos)
      << log;

  // The new master owns the pid file now: -s stop reaches it, and it cleans up.
  ASSERT_EQ(control(deploy_.path(), "stop", &output), 0) << output << server_.error_log();
  EXPECT_FALSE(process_exists(new_master));
  EXPECT_TRUE(all_gone(new_workers));
  EXPECT_FALSE(fs::exists(pid_file_of(server_)));
  EXPECT_FALSE(fs::exists(pid_file_of(server_) + ".upgrade"));
}

TEST_F(UpgradeTest, ABinaryThatExitsOrCannotRunChangesNothing) {
  start_old_master();
  LoadGenerator load(server_.port(), target(), 2, answers({"v1"}));
  deploy_.install_script("#!/bin/sh\nexit 1\n");
  std::string output;
  EXPECT_EQ(control(builds_.from, "upgrade", &output), 1) << output;
  EXPECT_NE(output.find("hearth: upgrade failed: new binary exited with code 1"), std::string::npos) << output;
  expect_nothing_changed();

  chmod(deploy_.path().c_str(), 0644);
  EXPECT_EQ(control(builds_.from, "upgrade", &output), 1) << output;
  EXPECT_NE(output.find("upgrade failed: new binary: cannot run " + deploy_.path() + ": permission denied"),
            std::string::npos)
      << output;
  expect_nothing_changed();
  LoadResult result = load.stop();
  EXPECT_EQ(result.failed, 0) << (result.failures.empty() ? "" : result.failures[0]);
  EXPECT_EQ(count_of(server_.error_log(), "upgrade failed: "), 2) << server_.error_log();
}

// A deploy whose config the new build rejects (a key the build does not
// know, say): the new binary says why before it exits, and -s upgrade shows
// it; the old master serves on. (--pid-file: the config no longer loads.)
TEST_F(UpgradeTest, ANewBuildThatRejectsTheConfigSaysWhy) {
  start_old_master();
  deploy_.install(builds_.to);
  server_.config()["no_such_key"] = 1;
  server_.write_config();
  std::string output;
  EXPECT_EQ(run_program(builds_.from, {"-s", "upgrade", "-c", server_.config_path(), "--pid-file", pid_file_of(server_)},
                        &output, 90000),
            1)
      << output;
  EXPECT_NE(output.find("hearth: upgrade failed: new binary: " + server_.config_path()), std::string::npos) << output;
  EXPECT_NE(output.find("unknown key \"no_such_key\""), std::string::npos) << output;
  expect_nothing_changed();
}

// It starts but never says ready: killed at upgrade_timeout. Meanwhile a
// second upgrade and a reload are refused.
TEST_F(UpgradeTest, ABinaryThatNeverGetsReadyIsKilledAtTheTimeout) {
  start_old_master(4);
  deploy_.install_script("#!/bin/sh\nexec sleep 100\n");
  auto pending = std::async(std::launch::async, [&] {
    std::string out;
    int rc = control(builds_.from, "upgrade", &out);
    return std::make_pair(rc, out);
  });
  ASSERT_TRUE(server_.wait_for_log(" started, waiting up to 4 s", 5000)) << server_.error_log();
  pid_t sleeper = static_cast<pid_t>(number_after(server_.error_log(), "upgrade: new master ", " started"));
  ASSERT_GT(sleeper, 0);
  ProcessTreeGuard guard(sleeper);
  EXPECT_TRUE(process_exists(sleeper));

  ASSERT_EQ(kill(old_master_, SIGUSR2), 0);
  EXPECT_TRUE(server_.wait_for_log("SIGUSR2 during an upgrade: refused", 2000)) << server_.error_log();
  std::string reload_output;
  EXPECT_EQ(control(builds_.from, "reload", &reload_output), 1) << reload_output;
  EXPECT_NE(reload_output.find("reload failed: a binary upgrade is in progress"), std::string::npos) << reload_output;

  auto [rc, output] = pending.get();
  EXPECT_EQ(rc, 1) << output;
  EXPECT_NE(output.find("hearth: upgrade failed: new binary not ready after 4 s"), std::string::npos) << output;
  EXPECT_TRUE(eventually(5000, [&] { return !process_exists(sleeper); })) << "the sleeper was killed";
  EXPECT_TRUE(server_.wait_for_log("upgrade: killed new master " + std::to_string(sleeper), 1000));
  expect_nothing_changed();
  EXPECT_EQ(count_of(server_.error_log(), "upgrade: starting "), 1) << "the second SIGUSR2 started nothing";
}

// A master built before binary upgrades dies of SIGUSR2 (the default
// action): -s upgrade sees it does not catch the signal and refuses.
TEST(UpgradeControl, LeavesAMasterThatDoesNotCatchSigusr2Alone) {
  TempDir dir;
  pid_t sleeper = fork();
  ASSERT_GE(sleeper, 0);
  if (sleeper == 0) {
    execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  ProcessTreeGuard guard(sleeper);
  ASSERT_TRUE(eventually(5000, [&] { return read_file("/proc/" + std::to_string(sleeper) + "/cmdline").find("sleep") == 0; }));
  std::string pid_file = dir.write("hearth.pid", std::to_string(sleeper) + "\n");
  std::string config = dir.write("hearth.json", nlohmann::json{{"supervisor", {{"pid_file", pid_file}}}}.dump());
  std::string output;
  EXPECT_EQ(run_hearth({"-c", config, "-s", "upgrade"}, &output), 1) << output;
  EXPECT_NE(output.find("predates binary upgrades"), std::string::npos) << output;
  EXPECT_TRUE(process_exists(sleeper));
  kill(sleeper, SIGKILL);
  waitpid(sleeper, nullptr, 0);
}

}  // namespace
}  // namespace hearth::test
