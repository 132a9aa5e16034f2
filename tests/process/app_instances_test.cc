// The master running upstream.command (docs/UPSTREAM.md, "Supervised
// instances"), seen from outside: /status lists the instances, a killed
// one comes back, a reload replaces them all, a stop or a binary upgrade
// leaves none of the old ones behind. The app is python3's http.server;
// nothing here depends on hearth proxying to it.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

constexpr int kWaitMs = 15000;

void use_app_instances(ServerProcess& server, int instances) {
  use_supervisor_config(server, 1);
  server.config()["upstream"] = {
      {"command", {"/usr/bin/python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"}},
      {"instances", instances},
      {"ready", "/"},
      {"directory", server.root()},
      {"start_timeout", 10},
      {"drain_timeout", 2},
      {"stop_timeout", 2}};
}

nlohmann::json app_instances(int port) {
  nlohmann::json status = fetch_status(port);
  return status.is_object() && status.contains("app_instances") ? status["app_instances"] : nlohmann::json::array();
}

// The pids of `count` ready instances, one per slot, none in `not_in`;
// empty on timeout.
std::vector<int> wait_for_ready_instances(int port, size_t count, const std::vector<int>& not_in = {}) {
  std::vector<int> pids;
  bool ok = eventually(kWaitMs, [&] {
    nlohmann::json list = app_instances(port);
    pids.clear();
    for (const auto& i : list) {
      if (i["state"] != "ready" || i["pid"].get<int>() <= 0) return false;
      if (std::count(not_in.begin(), not_in.end(), i["pid"].get<int>()) != 0) return false;
      pids.push_back(i["pid"].get<int>());
    }
    return pids.size() == count;
  });
  if (!ok) pids.clear();
  return pids;
}

bool all_gone(const std::vector<int>& pids) {
  return eventually(kWaitMs, [&] {
    return std::none_of(pids.begin(), pids.end(), [](int p) { return process_exists(p); });
  });
}

TEST(AppInstances, ReadyBeforeTheWorkersRestartedAfterAKillRolledOnReloadStoppedWithTheMaster) {
  ServerProcess server;
  use_app_instances(server, 2);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> first = wait_for_ready_instances(server.port(), 2);
  ASSERT_EQ(first.size(), 2u) << server.error_log();
  nlohmann::json list = app_instances(server.port());
  EXPECT_EQ(list[0]["slot"], 1);
  EXPECT_EQ(list[1]["slot"], 2);
  EXPECT_EQ(list[0]["address"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << list;
  EXPECT_EQ(list[0]["restarts"], 0);
  EXPECT_EQ(list[0]["outstanding"], 0);
  // The workers started only once the app was ready.
  std::string log = server.error_log();
  size_t ready = log.find("app instance 2 (pid " + std::to_string(list[1]["pid"].get<int>()));
  ready = log.find(") ready in", ready);
  size_t workers = log.find("starting 1 worker");
  ASSERT_NE(ready, std::string::npos) << log;
  EXPECT_LT(ready, workers) << log;

  // kill -9: logged, restarted at once, counted.
  ASSERT_EQ(kill(first[0], SIGKILL), 0);
  std::vector<int> second = wait_for_ready_instances(server.port(), 2, {first[0]});
  ASSERT_EQ(second.size(), 2u) << server.error_log();
  EXPECT_EQ(second[1], first[1]);
  list = app_instances(server.port());
  EXPECT_EQ(list[0]["restarts"], 1);
  EXPECT_EQ(list[0]["last_exit"], "killed by SIGKILL");
  EXPECT_TRUE(server.wait_for_log("app instance 1 (pid " + std::to_string(first[0]), 1000));
  EXPECT_TRUE(server.wait_for_log(") killed by SIGKILL", 1000));

  // SIGHUP: every instance replaced, one at a time; the old ones stopped.
  ASSERT_EQ(kill(server.pid(), SIGHUP), 0);
  std::vector<int> third = wait_for_ready_instances(server.port(), 2, second);
  ASSERT_EQ(third.size(), 2u) << server.error_log();
  EXPECT_TRUE(server.wait_for_log("rolling restart done: 2 app instances replaced", kWaitMs)) << server.error_log();
  EXPECT_TRUE(all_gone(second)) << server.error_log();

  // TERM: the master exits after its instances.
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.error_log();
  EXPECT_TRUE(all_gone(third)) << server.error_log();
  EXPECT_EQ(count_of(server.error_log(), "stopped: killed by SIGTERM"), 4) << server.error_log();
}

TEST(AppInstances, NoCommandListsNone) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  ASSERT_EQ(wait_for_workers(server.port(), 1).size(), 1u) << server.error_log();
  nlohmann::json status = fetch_status(server.port());
  ASSERT_TRUE(status.contains("app_instances")) << status;
  EXPECT_EQ(status["app_instances"], nlohmann::json::array());
}

TEST(AppInstances, AKilledMasterTakesItsInstancesAlong) {
  ServerProcess server;
  use_app_instances(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> pids = wait_for_ready_instances(server.port(), 1);
  ASSERT_EQ(pids.size(), 1u) << server.error_log();
  ASSERT_EQ(kill(server.pid(), SIGKILL), 0);
  EXPECT_TRUE(all_gone(pids));
}

TEST(AppInstances, ABinaryUpgradeStartsNewInstancesAndTheOldMasterStopsItsOwn) {
  ServerProcess server;
  use_app_instances(server, 2);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> old_instances = wait_for_ready_instances(server.port(), 2);
  ASSERT_EQ(old_instances.size(), 2u) << server.error_log();
  std::string output;
  ASSERT_EQ(run_hearth({"-s", "upgrade", "-c", server.config_path()}, &output, 90000), 0) << output << server.error_log();
  std::vector<int> new_instances = wait_for_ready_instances(server.port(), 2, old_instances);
  ASSERT_EQ(new_instances.size(), 2u) << server.error_log();
  int new_master = fetch_status(server.port())["master_pid"];
  EXPECT_NE(new_master, server.pid());
  EXPECT_TRUE(all_gone(old_instances)) << server.error_log();
  // The new master's instances are its own: they outlive the old master.
  EXPECT_TRUE(eventually(kWaitMs, [&] { return !process_exists(server.pid()); })) << server.error_log();
  EXPECT_EQ(wait_for_ready_instances(server.port(), 2), new_instances);
  ASSERT_EQ(kill(new_master, SIGTERM), 0);
  EXPECT_TRUE(all_gone(new_instances)) << server.error_log();
  EXPECT_TRUE(eventually(kWaitMs, [&] { return !process_exists(new_master); }));
}

TEST(AppInstances, ConfigTestChecksTheCommandCanRun) {
  TempDir dir;
  std::string config = dir.write("hearth.json", R"({"upstream": {"command": ["./missing-app", "{port}"]}})");
  std::string output;
  EXPECT_EQ(run_hearth({"-t", "-c", config}, &output), 1) << output;
  EXPECT_NE(output.find("hearth: " + config + ": upstream.command: cannot run \"./missing-app\" (" + dir.path() +
                        "/./missing-app): No such file or directory"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("test failed"), std::string::npos) << output;
  config = dir.write("ok.json", R"({"upstream": {"command": ["python3", "-m", "http.server", "{port}"]}})");
  EXPECT_EQ(run_hearth({"-t", "-c", config}, &output), 0) << output;
}

}  // namespace
}  // namespace hearth::test
