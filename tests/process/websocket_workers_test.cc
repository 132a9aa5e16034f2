// WebSocket across workers: /chat broadcast through the peer bus, a killed
// worker's clients drop while the others keep going, a reload closes the old
// generation's sockets with 1001. Needs the master (workers as children).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/http_client.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

class WebSocketWorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.config()["workers"] = 3;
    ASSERT_TRUE(server_.start()) << server_.error_log();
    // The master forks its workers right after binding.
    if (!eventually(1500, [&] { return !children_of(server_.pid()).empty(); })) {
      GTEST_SKIP() << "this build serves from one process (no master): nothing to test across workers";
    }
    ASSERT_TRUE(eventually(5000, [&] { return children_of(server_.pid()).size() >= 3; })) << server_.error_log();
    ASSERT_TRUE(server_.wait_for_log("ready", 5000, 3)) << server_.error_log();
  }

  std::string port() const { return std::to_string(server_.port()); }

  ServerProcess server_;
};

TEST_F(WebSocketWorkersTest, ChatMessagesReachClientsOnEveryWorker) {
  std::string out;
  EXPECT_EQ(run_websocket_client({"chat", port(), "2"}, &out), 0) << out;
  EXPECT_NE(out.find("PASS chat"), std::string::npos) << out;
}

TEST_F(WebSocketWorkersTest, KilledWorkerDropsOnlyItsOwnClients) {
  std::string out;
  EXPECT_EQ(run_websocket_client({"crash", port(), "2"}, &out), 0) << out << server_.error_log();
  EXPECT_NE(out.find("PASS crash"), std::string::npos) << out;
  // The master replaced the worker; new clients are served.
  EXPECT_TRUE(eventually(5000, [&] { return children_of(server_.pid()).size() >= 3; }));
  out.clear();
  EXPECT_EQ(run_websocket_client({"echo", port()}, &out), 0) << out;
}

TEST_F(WebSocketWorkersTest, ReloadClosesOldGenerationSocketsWith1001) {
  std::string out;
  // The script's "reload" scenario holds sockets open while we send SIGHUP.
  FILE* p = popen(("timeout 60 /usr/bin/python3 " + std::string(__FILE__).substr(0, std::string(__FILE__).find_last_of('/') + 1) +
                   "websocket_client.py reload " + port() + " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[512];
  bool ready = false;
  while (fgets(line, sizeof line, p) != nullptr) {
    out += line;
    if (std::string(line).find("sockets open") != std::string::npos) {
      ready = true;
      break;
    }
  }
  ASSERT_TRUE(ready) << out;
  ::kill(server_.pid(), SIGHUP);
  size_t n;
  char buf[4096];
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out << server_.error_log();
  EXPECT_NE(out.find("PASS reload"), std::string::npos) << out;
}

}  // namespace
}  // namespace hearth::test
