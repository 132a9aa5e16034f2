// Daemon mode: `hearth --daemon` returns once the detached master has
// written its pid file; -s finds it there; a second master is refused.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>

#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/http_client.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace hearth::test {
namespace {

TEST(SupervisorDaemon, DetachesServesAndStopsThroughThePidFile) {
  // ServerProcess only writes the config here; the daemon is not our child.
  ServerProcess fixture;
  use_supervisor_config(fixture, 2);
  fixture.write_config();
  std::string config = fixture.config_path();
  std::string pid_file = pid_file_of(fixture);

  std::string output;
  ASSERT_EQ(run_hearth({"-c", config, "--daemon"}, &output, 10000), 0) << output << fixture.error_log();
  pid_t pid = static_cast<pid_t>(atoi(read_file(pid_file).c_str()));
  ProcessTreeGuard guard(pid);  // kills the daemon and its workers even on failure
  ASSERT_GT(pid, 0) << fixture.error_log();
  EXPECT_TRUE(process_exists(pid));
  // A session of its own, which it does not lead (the double fork): it can
  // never get a controlling terminal back.
  EXPECT_NE(getsid(pid), getsid(0));
  EXPECT_NE(getsid(pid), pid);

  ASSERT_TRUE(fixture.wait_for_log("listening on 127.0.0.1:", 5000));
  std::smatch m;
  std::string log = fixture.error_log();
  ASSERT_TRUE(std::regex_search(log, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)")));
  int port = std::stoi(m[1]);
  std::vector<int> workers = wait_for_workers(port, 2);
  ASSERT_EQ(workers.size(), 2u) << fixture.error_log();
  EXPECT_EQ(http_get(port, "/").body, "hello\n");
  EXPECT_EQ(fetch_status(port)["master_pid"], pid);

  // A second master with the same pid file refuses to start.
  EXPECT_EQ(run_hearth({"-c", config, "--daemon"}, &output, 10000), 1);
  EXPECT_NE(output.find("hearth already running (pid " + std::to_string(pid) + ")"), std::string::npos) << output;
  EXPECT_EQ(read_file(pid_file), std::to_string(pid) + "\n");

  EXPECT_EQ(run_hearth({"-c", config, "-s", "stop"}, &output, 20000), 0) << output;
  EXPECT_TRUE(eventually(5000, [&] { return !process_exists(pid); }));
  EXPECT_NE(access(pid_file.c_str(), F_OK), 0);
  for (int w : workers) EXPECT_FALSE(process_exists(w));
}

TEST(SupervisorDaemon, StartupErrorsReachTheTerminal) {
  ServerProcess fixture;
  use_supervisor_config(fixture, 1);
  fixture.config()["supervisor"]["pid_file"] = fixture.dir().path() + "/no/such/folder/hearth.pid";
  fixture.write_config();
  std::string output;
  EXPECT_EQ(run_hearth({"-c", fixture.config_path(), "--daemon"}, &output, 10000), 1);
  EXPECT_NE(output.find("no/such/folder/hearth.pid"), std::string::npos) << output;
}

}  // namespace
}  // namespace hearth::test
