// Crash drills under load: a worker dies (or hangs) in the middle of
// traffic; its client gets a 500, everyone else is served, the slot gets a
// new worker and the log says why.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/http_client.h"
#include "tests/support/load_generator.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

constexpr int kLoadThreads = 3;

// Two workers serving a load generator: the stage of every drill. The load
// threads retry once a request that a dying worker had accepted but not
// answered (see LoadGenerator). Call through ASSERT_NO_FATAL_FAILURE.
void start_two_workers_under_load(ServerProcess& server, std::vector<int>* before,
                                  std::unique_ptr<LoadGenerator>* load) {
  ASSERT_TRUE(server.start()) << server.error_log();
  *before = wait_for_workers(server.port(), 2);
  ASSERT_EQ(before->size(), 2u) << server.error_log();
  *load = std::make_unique<LoadGenerator>(server.port(), "/", kLoadThreads, nullptr, /*retry_unanswered=*/true);
  LoadGenerator* l = load->get();
  ASSERT_TRUE(eventually(5000, [l] { return l->done() > 30; }));
}

// Stops the load: no request failed, at most one retry per thread.
void expect_load_unharmed(LoadGenerator& load) {
  LoadResult result = load.stop();
  EXPECT_EQ(result.failed, 0) << (result.failures.empty() ? "" : result.failures[0]);
  EXPECT_LE(result.retried, kLoadThreads);
}

struct DrillCase {
  const char* path;
  const char* cause;  // in the master's log
};

class SupervisorDrill : public ::testing::TestWithParam<DrillCase> {};

TEST_P(SupervisorDrill, DrillGets500OthersAreServedSlotIsRefilled) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  std::vector<int> before;
  std::unique_ptr<LoadGenerator> load;
  ASSERT_NO_FATAL_FAILURE(start_two_workers_under_load(server, &before, &load));
  HttpResponse drill = http_get(server.port(), GetParam().path, {"Connection: close"});
  EXPECT_EQ(drill.status, 500);
  EXPECT_EQ(drill.body, "Internal Server Error\n");
  std::vector<int> after = wait_for_one_replacement(server.port(), before);
  ASSERT_EQ(after.size(), 2u) << server.error_log();
  int done_at_replacement = load->done();
  ASSERT_TRUE(eventually(5000, [&] { return load->done() > done_at_replacement + 30; }));
  expect_load_unharmed(*load);
  size_t dead = after[0] != before[0] ? 0 : 1;
  std::string dead_pid = std::to_string(before[dead]);
  std::string slot = std::to_string(dead + 1);
  EXPECT_TRUE(server.wait_for_log("worker " + slot + " (pid " + dead_pid + ") " + GetParam().cause, 2000))
      << server.error_log();
  std::string ready = "worker " + slot + " (pid " + std::to_string(after[dead]) + ") ready, ";
  EXPECT_TRUE(eventually(5000, [&] {
    return number_after(server.error_log(), ready, " ms after its predecessor died") >= 0;
  })) << server.error_log();
  nlohmann::json status = fetch_status(server.port());
  EXPECT_EQ(status["workers"][dead]["restarts"], 1);
  EXPECT_EQ(status["workers"][dead]["last_exit"].get<std::string>().rfind(GetParam().cause, 0), 0u)
      << status.dump();
  EXPECT_FALSE(process_exists(before[dead]));
}

INSTANTIATE_TEST_SUITE_P(Drills, SupervisorDrill,
                         ::testing::Values(DrillCase{"/debug/segv", "killed by SIGSEGV"},
                                           DrillCase{"/debug/abort", "killed by SIGABRT"},
                                           DrillCase{"/debug/exit", "exited with code 3"}),
                         [](const ::testing::TestParamInfo<DrillCase>& info) {
                           return std::string(info.param.path + 7);  // "segv", "abort", "exit"
                         });

TEST(SupervisorCrash, ThrowIsA500AndTheWorkerLives) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> before = wait_for_workers(server.port(), 1);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(http_get(server.port(), "/debug/throw").status, 500);
  EXPECT_EQ(http_get(server.port(), "/").status, 200);
  nlohmann::json status = fetch_status(server.port());
  EXPECT_EQ(status_pids(status), before);
  EXPECT_EQ(status["workers"][0]["restarts"], 0);
}

TEST(SupervisorCrash, WorkerKilledFromOutsideIsReplaced) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  std::vector<int> before;
  std::unique_ptr<LoadGenerator> load;
  ASSERT_NO_FATAL_FAILURE(start_two_workers_under_load(server, &before, &load));
  ASSERT_EQ(kill(before[1], SIGKILL), 0);
  std::vector<int> after = wait_for_one_replacement(server.port(), before);
  ASSERT_EQ(after.size(), 2u) << server.error_log();
  EXPECT_EQ(after[0], before[0]);
  expect_load_unharmed(*load);
  EXPECT_TRUE(server.wait_for_log("worker 2 (pid " + std::to_string(before[1]) + ") killed by SIGKILL", 2000))
      << server.error_log();
}

// A worker whose messages the master cannot parse is killed and replaced;
// the other worker serves on.
TEST(SupervisorCrash, WorkerSendingAMalformedFrameIsReplaced) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  std::vector<int> before;
  std::unique_ptr<LoadGenerator> load;
  ASSERT_NO_FATAL_FAILURE(start_two_workers_under_load(server, &before, &load));
  http_get(server.port(), "/debug/bad-frame");  // its answer may or may not arrive
  std::vector<int> after = wait_for_one_replacement(server.port(), before);
  ASSERT_EQ(after.size(), 2u) << server.error_log();
  expect_load_unharmed(*load);
  EXPECT_TRUE(server.wait_for_log("sent a bad message", 2000)) << server.error_log();
}

TEST(SupervisorCrash, HungWorkerIsKilledAndReplaced) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  server.config()["supervisor"]["hang_timeout"] = 1;
  std::vector<int> before;
  std::unique_ptr<LoadGenerator> load;
  ASSERT_NO_FATAL_FAILURE(start_two_workers_under_load(server, &before, &load));
  auto started = std::chrono::steady_clock::now();
  // SIGABRT reaches the crash guard, which answers the stuck request.
  HttpResponse hung = http_get(server.port(), "/debug/hang", {"Connection: close"});
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(hung.status, 500);
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::milliseconds(4000));
  std::vector<int> after = wait_for_one_replacement(server.port(), before);
  ASSERT_EQ(after.size(), 2u) << server.error_log();
  expect_load_unharmed(*load);
  size_t dead = after[0] != before[0] ? 0 : 1;
  std::string who = "worker " + std::to_string(dead + 1) + " (pid " + std::to_string(before[dead]) + ")";
  EXPECT_TRUE(server.wait_for_log(who + " missed heartbeats for 1 s, killing", 2000)) << server.error_log();
  EXPECT_TRUE(server.wait_for_log(who + " killed by SIGABRT (missed heartbeats)", 2000)) << server.error_log();
}

TEST(SupervisorCrash, CrashLoopBacksOffAndRecovers) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  // Five deaths in a row, each as soon as the replacement is ready: waits
  // of 0, 100, 200, 400, 800 ms.
  constexpr int kDeaths = 5;
  for (int i = 0; i < kDeaths; i++) {
    ASSERT_TRUE(server.wait_for_log(") ready", 10000, i + 1)) << server.error_log();
    EXPECT_EQ(http_get(server.port(), "/debug/segv", {"Connection: close"}).status, 500);
  }
  EXPECT_TRUE(server.wait_for_log("worker 1 died 5 times in a row (crash loop?), next start in 800 ms", 2000))
      << server.error_log();
  EXPECT_EQ(count_of(server.error_log(), "in a row"), kDeaths - 1);
  ASSERT_TRUE(server.wait_for_log(") ready", 10000, kDeaths + 1)) << server.error_log();
  long gap = number_after(server.error_log(), ") ready, ", " ms after its predecessor died");
  EXPECT_GE(gap, 800) << server.error_log();
  EXPECT_EQ(http_get(server.port(), "/").status, 200);
  nlohmann::json status = fetch_status(server.port());
  EXPECT_EQ(status["workers"][0]["restarts"], kDeaths);
  EXPECT_TRUE(server.running());
}

}  // namespace
}  // namespace hearth::test
