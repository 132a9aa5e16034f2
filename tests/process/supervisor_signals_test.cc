// The master's signals and -s commands: graceful and fast stops, worker
// count changes, log reopening, and retirement after max_requests.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/http_client.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

bool exited_with(int status, int code) { return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code; }

TEST(SupervisorSignals, TermLetsAnInFlightRequestFinish) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> pids = wait_for_workers(server.port(), 1);
  ASSERT_EQ(pids.size(), 1u);
  int port = server.port();
  auto slow = std::async(std::launch::async, [port] { return http_get(port, "/debug/sleep?ms=1500"); });
  // Give the request time to reach the worker before the stop begins.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto stop_started = std::chrono::steady_clock::now();
  int status = server.stop(SIGTERM, 10000);
  auto stop_took = std::chrono::steady_clock::now() - stop_started;
  HttpResponse reply = slow.get();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "slept 1500 ms\n");
  EXPECT_TRUE(exited_with(status, 0)) << status << server.error_log();
  EXPECT_GE(stop_took, std::chrono::milliseconds(900));  // it waited for the request
  EXPECT_NE(access(pid_file_of(server).c_str(), F_OK), 0) << "pid file left behind";
  EXPECT_NE(access((pid_file_of(server) + ".reload").c_str(), F_OK), 0);
  EXPECT_FALSE(process_exists(pids[0]));
  EXPECT_NE(server.error_log().find("SIGTERM received, stopping gracefully"), std::string::npos);
}

TEST(SupervisorSignals, IntStopsAtOnce) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> pids = wait_for_workers(server.port(), 2);
  ASSERT_EQ(pids.size(), 2u);
  auto started = std::chrono::steady_clock::now();
  int status = server.stop(SIGINT, 5000);
  EXPECT_TRUE(exited_with(status, 0)) << status;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
  for (int p : pids) EXPECT_FALSE(process_exists(p));
  EXPECT_NE(access(pid_file_of(server).c_str(), F_OK), 0);
}

TEST(SupervisorSignals, TtinAddsAWorkerTtouRemovesOne) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> one = wait_for_workers(server.port(), 1);
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(kill(server.pid(), SIGTTIN), 0);
  std::vector<int> two = wait_for_workers(server.port(), 2);
  ASSERT_EQ(two.size(), 2u) << server.error_log();
  EXPECT_EQ(two[0], one[0]);
  EXPECT_TRUE(server.wait_for_log("worker 2 (pid " + std::to_string(two[1]) + ") ready", 5000));
  ASSERT_EQ(kill(server.pid(), SIGTTOU), 0);
  EXPECT_EQ(wait_for_workers(server.port(), 1), one) << server.error_log();
  EXPECT_TRUE(server.wait_for_log("worker 2 (pid " + std::to_string(two[1]) + ") exited with code 0", 5000))
      << server.error_log();
  EXPECT_FALSE(process_exists(two[1]));
  // Never below one worker.
  ASSERT_EQ(kill(server.pid(), SIGTTOU), 0);
  EXPECT_TRUE(server.wait_for_log("workers 1 -> 1", 5000)) << server.error_log();
  EXPECT_EQ(status_pids(fetch_status(server.port())), one);
}

TEST(SupervisorSignals, Usr1ReopensTheLogsOfMasterAndWorkers) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  std::string access_log = server.dir().path() + "/access.log";
  server.config()["log"]["access"] = access_log;
  ASSERT_TRUE(server.start()) << server.error_log();
  ASSERT_EQ(wait_for_workers(server.port(), 1).size(), 1u);
  ASSERT_EQ(http_get(server.port(), "/").status, 200);
  ASSERT_TRUE(eventually(2000, [&] { return count_of(read_file(access_log), "GET / ") >= 1; }));

  // logrotate: move the files away, then ask for a reopen.
  std::string moved_error = server.error_log_path() + ".1";
  std::string moved_access = access_log + ".1";
  ASSERT_EQ(rename(server.error_log_path().c_str(), moved_error.c_str()), 0);
  ASSERT_EQ(rename(access_log.c_str(), moved_access.c_str()), 0);
  std::string output;
  ASSERT_EQ(run_hearth({"-c", server.config_path(), "-s", "reopen"}, &output), 0) << output;
  ASSERT_TRUE(eventually(5000, [&] { return count_of(read_file(moved_error), "reopening logs") == 1; }));
  // The worker reopens when the master's REOPEN arrives; requests until
  // then may still go to the old file.
  ASSERT_TRUE(eventually(5000, [&] {
    http_get(server.port(), "/reopened");
    return count_of(read_file(access_log), "GET /reopened") >= 1;
  })) << read_file(moved_access);
  ASSERT_EQ(kill(server.pid(), SIGTTIN), 0);
  EXPECT_TRUE(server.wait_for_log("SIGTTIN received", 5000)) << read_file(moved_error);
  EXPECT_EQ(count_of(read_file(moved_error), "SIGTTIN"), 0);
}

TEST(SupervisorSignals, MaxRequestsRetiresAndReplacesTheWorker) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  server.config()["supervisor"]["max_requests"] = 20;
  server.config()["supervisor"]["max_requests_jitter"] = 5;
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> first = wait_for_workers(server.port(), 1);
  ASSERT_EQ(first.size(), 1u);
  for (int i = 0; i < 60; i++) {
    HttpResponse r = http_get(server.port(), "/", {"Connection: close"});
    ASSERT_EQ(r.status, 200) << "request " << i << "\n" << server.error_log();
  }
  EXPECT_TRUE(server.wait_for_log("retiring after", 3000)) << server.error_log();
  EXPECT_TRUE(server.wait_for_log("(pid " + std::to_string(first[0]) + ") exited with code 0", 3000))
      << server.error_log();
  std::vector<int> now = wait_for_workers(server.port(), 1, first);
  ASSERT_EQ(now.size(), 1u);
  nlohmann::json status = fetch_status(server.port());
  EXPECT_EQ(status["workers"][0]["restarts"], 0);  // planned, not a crash
  EXPECT_TRUE(eventually(3000, [&] { return fetch_status(server.port())["workers"][0]["requests"] >= 60; }))
      << fetch_status(server.port()).dump();
}

TEST(SupervisorSignals, StopAndQuitCommandsWaitForTheMasterToExit) {
  for (const char* command : {"stop", "quit"}) {
    ServerProcess server;
    use_supervisor_config(server, 1);
    ASSERT_TRUE(server.start()) << server.error_log();
    std::string output;
    EXPECT_EQ(run_hearth({"-c", server.config_path(), "-s", command}, &output), 0) << command << output;
    EXPECT_NE(access(pid_file_of(server).c_str(), F_OK), 0) << command;
    EXPECT_TRUE(exited_with(server.stop(SIGKILL, 2000), 0)) << command;
    // Now there is nobody to signal.
    EXPECT_EQ(run_hearth({"-c", server.config_path(), "-s", command}, &output), 1);
    EXPECT_NE(output.find("is hearth running?"), std::string::npos) << output;
  }
}

}  // namespace
}  // namespace hearth::test
