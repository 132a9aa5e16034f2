// The supervisor of upstream.command with real children (/bin/sh, a tiny
// python3 listener), driven the way the master drives it: poll, reap,
// tick. Every wait is bounded; every instance is stopped when a test ends.
#include "master/app_instances.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "tests/support/temp_dir.h"

namespace hearth {
namespace {

using Ms = std::chrono::milliseconds;

// Listens on $PORT (or the unix socket $SOCKET), after checking the
// argument hearth substituted matches the environment and MODE is set.
const char kListener[] = R"(
import os, signal, socket, sys, time
if os.environ.get('IGNORE_TERM'): signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.environ.get('MODE') != 'test': sys.exit(5)
if 'SOCKET' in os.environ:
    assert sys.argv[1] == os.environ['SOCKET']
    s = socket.socket(socket.AF_UNIX); s.bind(os.environ['SOCKET'])
else:
    assert sys.argv[1] == os.environ['PORT']
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', int(os.environ['PORT'])))
s.listen(8)
print('listening on', sys.argv[1], flush=True)
time.sleep(60)
)";

UpstreamConfig listener_config(int instances, const std::string& placeholder = "{port}") {
  UpstreamConfig c;
  c.command = {"/usr/bin/python3", "-c", kListener, placeholder};
  c.instances = instances;
  c.environment = {{"MODE", "test"}};
  c.start_timeout_ms = 10000;
  c.stop_timeout_ms = 2000;
  return c;
}

UpstreamConfig shell_config(const std::string& script) {
  UpstreamConfig c;
  c.command = {"/bin/sh", "-c", script};
  c.start_timeout_ms = 10000;
  return c;
}

// The error log, captured for the test's length.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_level(spdlog::level::info);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }
  bool has(const std::string& needle) const { return text().find(needle) != std::string::npos; }
  int count(const std::string& needle) const {
    int n = 0;
    std::string t = text();
    for (size_t at = t.find(needle); at != std::string::npos; at = t.find(needle, at + 1)) n++;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

class AppInstancesTest : public ::testing::Test {
 protected:
  AppInstancesTest() {
    std::string error;
    table_ = AppInstanceTable::create(&error);
    EXPECT_NE(table_, nullptr) << error;
    apps_ = std::make_unique<AppInstances>(table_.get());
  }
  ~AppInstancesTest() override {
    if (!apps_) return;  // the test stopped and destroyed it itself
    apps_->stop_all();
    run_until([&] { return apps_->stopped(); }, 10000);
  }

  // One master loop turn.
  void turn() {
    std::vector<pollfd> fds;
    apps_->add_poll_fds(&fds);
    poll(fds.data(), fds.size(), 20);
    int status = 0;
    for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) EXPECT_TRUE(apps_->on_exit(pid, status)) << pid;
    apps_->tick();
  }
  bool run_until(const std::function<bool()>& done, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + Ms(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      turn();
    }
    return done();
  }
  void run_for(int ms) {
    run_until([] { return false; }, ms);
  }
  // The entries in use, by slot.
  std::vector<AppInstanceStatus> entries(AppInstanceState only = AppInstanceState::kFree) const {
    std::vector<AppInstanceStatus> out;
    for (int e = 0; e < AppInstanceTable::kMaxEntries; e++) {
      AppInstanceStatus s = table_->get(e);
      if (s.state != AppInstanceState::kFree && (only == AppInstanceState::kFree || s.state == only)) out.push_back(s);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.slot < b.slot; });
    return out;
  }
  int entry_of(pid_t pid) const {
    for (int e = 0; e < AppInstanceTable::kMaxEntries; e++) {
      if (table_->get(e).pid == pid) return e;
    }
    return -1;
  }
  std::vector<pid_t> ready_pids() const {
    std::vector<pid_t> pids;
    for (const auto& s : entries(AppInstanceState::kReady)) pids.push_back(s.pid);
    return pids;
  }
  bool all_ready(int n) {
    return run_until([&] { return apps_->all_ready() && static_cast<int>(ready_pids().size()) == n; }, 10000);
  }

  LogCapture log_;
  std::unique_ptr<AppInstanceTable> table_;
  std::unique_ptr<AppInstances> apps_;
};

TEST_F(AppInstancesTest, StartsEveryInstanceOnItsOwnPortAndPublishesItReady) {
  apps_->start(listener_config(2));
  EXPECT_EQ(apps_->wanted(), 2);
  EXPECT_EQ(entries(AppInstanceState::kStarting).size(), 2u);
  ASSERT_TRUE(all_ready(2)) << log_.text();
  std::vector<AppInstanceStatus> e = entries();
  ASSERT_EQ(e.size(), 2u);
  for (int i = 0; i < 2; i++) {
    EXPECT_EQ(e[i].slot, i + 1);
    EXPECT_GT(e[i].pid, 0);
    EXPECT_GT(e[i].started, 0);
    EXPECT_EQ(e[i].address.host, "127.0.0.1");
    EXPECT_GT(e[i].address.port, 0);
    EXPECT_EQ(e[i].restarts, 0u);
  }
  EXPECT_NE(e[0].address.port, e[1].address.port);
  EXPECT_NE(e[0].serial, e[1].serial);
  // The line may reach the pipe a turn after the port accepts.
  std::string line = "app[1] listening on " + std::to_string(e[0].address.port);
  EXPECT_TRUE(run_until([&] { return log_.has(line); }, 2000)) << log_.text();
  EXPECT_TRUE(log_.has("app instance 2 (pid " + std::to_string(e[1].pid) + ", " + e[1].address.text + ") ready in"));
}

TEST_F(AppInstancesTest, ADeathIsLoggedWithItsLastOutputAndTheSlotRestartsAtOnce) {
  apps_->start(shell_config("echo starting; echo 'panic: boom' >&2; sleep 0.2; exit 2"));
  ASSERT_TRUE(run_until([&] { return log_.has("exited with code 2"); }, 5000)) << log_.text();
  EXPECT_TRUE(log_.has("app[1] panic: boom"));
  EXPECT_TRUE(log_.has(") exited with code 2; last output: starting | panic: boom\n")) << log_.text();
  EXPECT_TRUE(log_.has("app instance 1 (pid ")) << log_.text();
  // The first death restarts at once: a new instance, the old one's exit on its row.
  ASSERT_TRUE(run_until([&] { return log_.count(" started: /bin/sh") >= 2; }, 1000)) << log_.text();
  std::vector<AppInstanceStatus> e = entries();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].restarts, 1u);
  EXPECT_EQ(e[0].last_exit, "exited with code 2");
}

TEST_F(AppInstancesTest, ACrashLoopBacksOff) {
  apps_->start(shell_config("exit 3"));
  run_for(1200);
  // 0, 100, 200, 400 ms: about 5 starts in 1.2 s, not hundreds.
  int starts = log_.count(" started: /bin/sh");
  EXPECT_GE(starts, 3) << log_.text();
  EXPECT_LE(starts, 7) << log_.text();
  EXPECT_TRUE(log_.has("app instance 1 died 3 times in a row (crash loop?), next start in 200 ms")) << log_.text();
  // While it waits, its row says it is stopped and why.
  ASSERT_TRUE(run_until([&] { return !entries(AppInstanceState::kStopped).empty(); }, 3000));
  EXPECT_EQ(entries(AppInstanceState::kStopped)[0].last_exit, "exited with code 3");
}

TEST_F(AppInstancesTest, NotReadyInTimeIsKilledAndStartedAgain) {
  UpstreamConfig c = shell_config("exec sleep 30");
  c.start_timeout_ms = 300;
  apps_->start(c);
  ASSERT_TRUE(run_until([&] { return log_.has("killed by SIGKILL"); }, 3000)) << log_.text();
  EXPECT_TRUE(log_.has(") not ready after 0.3 s (connect: connection refused), killing")) << log_.text();
  EXPECT_TRUE(log_.has(") killed by SIGKILL (not ready after 0.3 s)")) << log_.text();
  EXPECT_TRUE(run_until([&] { return log_.count(" started: /bin/sh") >= 2; }, 1000));
}

TEST_F(AppInstancesTest, HttpReadinessInTheCommandsDirectory) {
  test::TempDir dir;
  dir.write("health", "ok\n");
  UpstreamConfig c;
  c.command = {"/usr/bin/python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"};
  c.ready = "/health";  // only found when the server runs in `directory`
  c.directory = dir.path();
  apps_->start(c);
  ASSERT_TRUE(all_ready(1)) << log_.text();
}

TEST_F(AppInstancesTest, HttpReadinessWaitsForA2xx) {
  UpstreamConfig c;
  c.command = {"/usr/bin/python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"};
  c.ready = "/missing";
  c.start_timeout_ms = 1500;
  apps_->start(c);
  ASSERT_TRUE(run_until([&] { return log_.has("killing"); }, 5000)) << log_.text();
  EXPECT_TRUE(log_.has("not ready after 1.5 s (GET /missing answered 404), killing")) << log_.text();
}

TEST_F(AppInstancesTest, UnixSocketInstancesGetAPrivateFolder) {
  std::string folder;
  apps_->start(listener_config(1, "{socket}"));
  ASSERT_TRUE(all_ready(1)) << log_.text();
  AppInstanceStatus s = entries()[0];
  ASSERT_TRUE(s.address.is_unix()) << s.address.text;
  folder = std::filesystem::path(s.address.socket_path).parent_path().string();
  EXPECT_EQ(folder.rfind("/tmp/hearth-app-", 0), 0u) << folder;
  EXPECT_EQ(std::filesystem::path(s.address.socket_path).filename().string(), "app-1-" + std::to_string(s.serial) + ".sock");
  apps_->stop_all();
  ASSERT_TRUE(run_until([&] { return apps_->stopped(); }, 5000));
  apps_.reset();
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST_F(AppInstancesTest, TheEnvironmentReachesTheCommand) {
  UpstreamConfig c = listener_config(1);
  c.environment = {{"MODE", "wrong"}};  // the listener exits 5 unless MODE=test
  apps_->start(c);
  ASSERT_TRUE(run_until([&] { return log_.has("exited with code 5"); }, 5000)) << log_.text();
}

TEST_F(AppInstancesTest, OutputOffLogsNothingButKeepsStderrForTheDeath) {
  UpstreamConfig c = shell_config("echo to-stdout; echo to-stderr >&2; exit 4");
  c.output = "off";
  apps_->start(c);
  ASSERT_TRUE(run_until([&] { return log_.has("exited with code 4"); }, 5000)) << log_.text();
  EXPECT_FALSE(log_.has("app[1]")) << log_.text();
  EXPECT_TRUE(log_.has("exited with code 4; last output: to-stderr\n")) << log_.text();
}

TEST_F(AppInstancesTest, OutputToAFileIsAppendedThere) {
  test::TempDir dir;
  std::string file = dir.write("app.log", "before\n");
  UpstreamConfig c = shell_config("echo out; echo err >&2; exit 4");
  c.output = file;
  apps_->start(c);
  ASSERT_TRUE(run_until([&] { return log_.has("exited with code 4"); }, 5000)) << log_.text();
  EXPECT_EQ(test::read_file(file).rfind("before\nout\nerr\n", 0), 0u) << test::read_file(file);
  EXPECT_FALSE(log_.has("last output")) << log_.text();
}

TEST_F(AppInstancesTest, AProgramThatCannotRunSaysSo) {
  UpstreamConfig c;
  c.command = {"./no-such-app"};
  c.directory = "/";
  apps_->start(c);
  ASSERT_TRUE(run_until([&] { return log_.has("exited with code 127"); }, 5000)) << log_.text();
  EXPECT_TRUE(log_.has("exited with code 127; last output: hearth: cannot run ./no-such-app: No such file or directory"))
      << log_.text();
  c.directory = "/no/such/folder";
  apps_->reload(c);
  ASSERT_TRUE(run_until([&] { return log_.has("cannot enter /no/such/folder: No such file or directory"); }, 5000))
      << log_.text();
}

TEST_F(AppInstancesTest, StopTermsEveryInstanceAndWaitsForThem) {
  apps_->start(listener_config(2));
  ASSERT_TRUE(all_ready(2)) << log_.text();
  std::vector<pid_t> pids = ready_pids();
  apps_->stop_all();
  EXPECT_EQ(entries(AppInstanceState::kDraining).size(), 2u);
  EXPECT_FALSE(apps_->stopped());
  ASSERT_TRUE(run_until([&] { return apps_->stopped(); }, 5000)) << log_.text();
  EXPECT_TRUE(entries().empty());
  for (pid_t pid : pids) EXPECT_EQ(kill(pid, 0), -1) << pid;  // reaped: gone
  EXPECT_EQ(log_.count(") stopped: killed by SIGTERM"), 2) << log_.text();
  run_for(300);
  EXPECT_TRUE(entries().empty()) << "no restart after a stop";
}

TEST_F(AppInstancesTest, StopKillsAnInstanceThatIgnoresSigterm) {
  UpstreamConfig c = listener_config(1);
  c.environment.push_back({"IGNORE_TERM", "1"});
  c.stop_timeout_ms = 300;
  apps_->start(c);
  ASSERT_TRUE(all_ready(1)) << log_.text();
  apps_->stop_all();
  ASSERT_TRUE(run_until([&] { return apps_->stopped(); }, 5000)) << log_.text();
  EXPECT_TRUE(log_.has("still running 0.3 s after SIGTERM, killing")) << log_.text();
  EXPECT_TRUE(log_.has("stopped: killed by SIGKILL (did not stop on SIGTERM)")) << log_.text();
}

TEST_F(AppInstancesTest, ReloadRollsOneSlotAtATime) {
  apps_->start(listener_config(2));
  ASSERT_TRUE(all_ready(2)) << log_.text();
  std::vector<pid_t> before = ready_pids();
  apps_->reload(listener_config(2));
  // Slot 1 has two rows while its new instance starts; slot 2 waits its turn.
  EXPECT_EQ(entries().size(), 3u);
  EXPECT_EQ(entries(AppInstanceState::kReady).size(), 2u);
  ASSERT_TRUE(run_until([&] { return log_.has("rolling restart done: 2 app instances replaced"); }, 10000)) << log_.text();
  ASSERT_TRUE(run_until([&] { return entries().size() == 2; }, 5000)) << log_.text();
  std::vector<pid_t> after = ready_pids();
  ASSERT_EQ(after.size(), 2u);
  for (pid_t pid : after) EXPECT_EQ(std::count(before.begin(), before.end(), pid), 0);
  std::string text = log_.text();
  // Slot 2's new instance starts only once slot 1's old one is retired.
  size_t retired1 = text.find("retiring: replaced by pid " + std::to_string(after[0]));
  size_t started2 = text.find("app instance 2 (pid " + std::to_string(after[1]));
  ASSERT_NE(retired1, std::string::npos) << text;
  ASSERT_NE(started2, std::string::npos) << text;
  EXPECT_LT(retired1, started2) << text;
  EXPECT_EQ(entries()[0].restarts, 0u) << "a rolling restart is no death";
}

TEST_F(AppInstancesTest, ARetiredInstanceDrainsItsRequestsFirst) {
  UpstreamConfig c = listener_config(1);
  apps_->start(c);
  ASSERT_TRUE(all_ready(1)) << log_.text();
  pid_t old = ready_pids()[0];
  int entry = entry_of(old);
  table_->add_outstanding(entry, +1);  // a worker's request in flight
  apps_->reload(c);
  ASSERT_TRUE(run_until([&] { return table_->get(entry).state == AppInstanceState::kDraining; }, 10000)) << log_.text();
  run_for(500);
  EXPECT_EQ(kill(old, 0), 0) << "still draining";
  EXPECT_FALSE(log_.has("rolling restart done"));
  table_->add_outstanding(entry, -1);  // the request ends
  ASSERT_TRUE(run_until([&] { return log_.has("rolling restart done"); }, 3000)) << log_.text();
  EXPECT_TRUE(run_until([&] { return kill(old, 0) != 0; }, 3000));
}

TEST_F(AppInstancesTest, DrainTimeoutEndsTheWait) {
  UpstreamConfig c = listener_config(1);
  c.drain_timeout_ms = 300;
  apps_->start(c);
  ASSERT_TRUE(all_ready(1)) << log_.text();
  table_->add_outstanding(entry_of(ready_pids()[0]), +1);  // left behind by a worker that died
  apps_->reload(c);
  ASSERT_TRUE(run_until([&] { return log_.has("rolling restart done"); }, 10000)) << log_.text();
  EXPECT_TRUE(log_.has("still has 1 request after drain_timeout (0.3 s), stopping it anyway")) << log_.text();
}

TEST_F(AppInstancesTest, ARollingRestartWhoseNewInstanceFailsIsAbandoned) {
  apps_->start(listener_config(2));
  ASSERT_TRUE(all_ready(2)) << log_.text();
  std::vector<pid_t> before = ready_pids();
  UpstreamConfig bad = shell_config("echo 'bad deploy' >&2; exit 1");
  bad.instances = 2;
  apps_->reload(bad);
  ASSERT_TRUE(run_until([&] { return log_.has("abandoned"); }, 5000)) << log_.text();
  EXPECT_TRUE(log_.has("rolling restart of the app instances abandoned at instance 1 of 2: the new app instance 1 (pid "))
      << log_.text();
  EXPECT_TRUE(log_.has("exited with code 1; last output: bad deploy")) << log_.text();
  run_for(500);
  EXPECT_EQ(ready_pids(), before) << "the old instances keep serving";
  EXPECT_EQ(entries().size(), 2u);
}

TEST_F(AppInstancesTest, ARollingRestartWhoseNewInstanceIsNeverReadyIsAbandoned) {
  apps_->start(listener_config(1));
  ASSERT_TRUE(all_ready(1)) << log_.text();
  std::vector<pid_t> before = ready_pids();
  UpstreamConfig stuck = shell_config("exec sleep 30");
  stuck.start_timeout_ms = 300;
  apps_->reload(stuck);
  ASSERT_TRUE(run_until([&] { return log_.has("abandoned"); }, 5000)) << log_.text();
  EXPECT_TRUE(log_.has("was not ready after 0.3 s; the old instances keep serving")) << log_.text();
  run_for(300);
  EXPECT_EQ(ready_pids(), before);
  EXPECT_EQ(entries().size(), 1u);
}

TEST_F(AppInstancesTest, ReloadStartsOrRetiresTheDifference) {
  apps_->start(listener_config(1));
  ASSERT_TRUE(all_ready(1)) << log_.text();
  apps_->reload(listener_config(3));
  ASSERT_TRUE(all_ready(3)) << log_.text();
  ASSERT_TRUE(run_until([&] { return log_.has("rolling restart done: 1 app instance replaced"); }, 10000));
  apps_->reload(listener_config(2));
  ASSERT_TRUE(run_until([&] { return log_.count("rolling restart done: 2 app instances") == 1; }, 10000)) << log_.text();
  ASSERT_TRUE(run_until([&] { return entries().size() == 2; }, 5000)) << log_.text();
  EXPECT_EQ(entries()[1].slot, 2);
  EXPECT_TRUE(log_.has("app instance 3 (pid ")) << log_.text();
  EXPECT_TRUE(log_.has("retiring: not in the new config")) << log_.text();
}

TEST_F(AppInstancesTest, ACommandRemovedRetiresAllAndOneAddedStarts) {
  apps_->start(listener_config(2));
  ASSERT_TRUE(all_ready(2)) << log_.text();
  apps_->reload(UpstreamConfig());
  EXPECT_EQ(apps_->wanted(), 0);
  ASSERT_TRUE(run_until([&] { return entries().empty(); }, 5000)) << log_.text();
  EXPECT_TRUE(log_.has("upstream.command is gone from the config: retiring 2 app instances"));
  apps_->reload(listener_config(1));
  EXPECT_TRUE(all_ready(1)) << log_.text();
}

}  // namespace
}  // namespace hearth
