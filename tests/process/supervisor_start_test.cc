// Starting the master: the listen socket, readiness, the command line, the
// pid file, and how connections spread over the workers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/http_client.h"
#include "tests/support/load_generator.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

TEST(SupervisorStart, ForksTheWorkersAndLogsEachReady) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> pids = wait_for_workers(server.port(), 2);
  ASSERT_EQ(pids.size(), 2u) << server.error_log();
  EXPECT_NE(pids[0], pids[1]);
  for (int pid : pids) {
    EXPECT_NE(pid, server.pid());
    EXPECT_TRUE(server.wait_for_log("(pid " + std::to_string(pid) + ") ready", 5000)) << server.error_log();
  }
  std::vector<pid_t> children = children_of(server.pid());
  std::sort(children.begin(), children.end());
  std::sort(pids.begin(), pids.end());
  EXPECT_EQ(std::vector<int>(children.begin(), children.end()), pids);
  nlohmann::json status = fetch_status(server.port());
  EXPECT_EQ(status["master_pid"], server.pid());
  EXPECT_EQ(status["generation"], 1);
  EXPECT_EQ(http_get(server.port(), "/").body, "hello\n");
}

TEST(SupervisorStart, PortInUseIsReportedOnceAndExits1) {
  int busy = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(busy, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(busy, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(busy, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string where = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  TempDir dir;
  dir.write("root/index.html", "x");
  std::string config = dir.write("hearth.json", "{\"root\": \"root\", \"workers\": 2, \"listen\": \"" + where + "\"}");
  std::string output;
  int code = run_hearth({"-c", config}, &output);
  close(busy);
  EXPECT_EQ(code, 1) << output;
  EXPECT_EQ(count_of(output, where + ": address already in use"), 1) << output;
  EXPECT_EQ(count_of(output, ") ready"), 0) << output;  // no worker was forked
}

TEST(SupervisorStart, TestFlagChecksTheConfig) {
  TempDir dir;
  dir.mkdir("root");
  std::string good = dir.write("good.json", "{\"root\": \"root\", \"workers\": 2}\n");
  std::string bad = dir.write("bad.json", "{\n  \"root\": \"root\",\n  \"workers\": \n}\n");
  std::string output;
  EXPECT_EQ(run_hearth({"-t", "-c", good}, &output), 0) << output;
  EXPECT_NE(output.find("test is successful"), std::string::npos) << output;
  EXPECT_EQ(run_hearth({"-t", "-c", bad}, &output), 1) << output;
  EXPECT_NE(output.find("bad.json:4"), std::string::npos) << output;
}

TEST(SupervisorStart, HelpAndVersion) {
  std::string output;
  EXPECT_EQ(run_hearth({"--help"}, &output), 0);
  EXPECT_NE(output.find("-s, --signal"), std::string::npos) << output;
  EXPECT_EQ(run_hearth({"--version"}, &output), 0);
  EXPECT_EQ(output.rfind("hearth version ", 0), 0u) << output;
  EXPECT_EQ(run_hearth({"--no-such-flag"}, &output), 1);
}

TEST(SupervisorStart, WritesThePidFileAndRefusesASecondMaster) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::string pid_file = pid_file_of(server);
  EXPECT_EQ(read_file(pid_file), std::to_string(server.pid()) + "\n");
  std::string output;
  EXPECT_EQ(run_hearth({"-c", server.config_path()}, &output), 1) << output;
  EXPECT_NE(output.find("hearth already running (pid " + std::to_string(server.pid()) + ")"), std::string::npos)
      << output;
  EXPECT_EQ(read_file(pid_file), std::to_string(server.pid()) + "\n");  // untouched
  EXPECT_EQ(http_get(server.port(), "/").status, 200);
  int status = server.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(access(pid_file.c_str(), F_OK), 0);
}

// With one shared listening socket every idle worker competes in accept();
// a burst of short connections from several clients reaches both workers.
TEST(SupervisorStart, ConnectionsSpreadOverTheWorkers) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  ASSERT_TRUE(server.start()) << server.error_log();
  ASSERT_EQ(wait_for_workers(server.port(), 2).size(), 2u);
  LoadGenerator load(server.port(), "/", 4);
  bool spread = eventually(10000, [&] {
    nlohmann::json s = fetch_status(server.port());
    return s.is_object() && s["workers"].size() == 2 && s["workers"][0]["requests"] > 20 &&
           s["workers"][1]["requests"] > 20;
  });
  LoadResult result = load.stop();
  EXPECT_TRUE(spread) << fetch_status(server.port()).dump();
  EXPECT_EQ(result.failed, 0) << (result.failures.empty() ? "" : result.failures[0]);
  EXPECT_GT(result.ok, 40);
}

TEST(SupervisorStart, SingleRunsOneWorkerWithoutAMaster) {
  ServerProcess server;
  use_supervisor_config(server, 3);
  ASSERT_TRUE(server.start({"--single"})) << server.error_log();
  EXPECT_EQ(http_get(server.port(), "/").body, "hello\n");
  nlohmann::json status = fetch_status(server.port());
  EXPECT_EQ(status["master_pid"], server.pid());
  ASSERT_EQ(status["workers"].size(), 1u);
  EXPECT_EQ(status["workers"][0]["pid"], server.pid());
  EXPECT_TRUE(children_of(server.pid()).empty());
  int status_code = server.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status_code) && WEXITSTATUS(status_code) == 0) << status_code;
}

}  // namespace
}  // namespace hearth::test
