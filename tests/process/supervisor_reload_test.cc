// Reloads (SIGHUP, via `hearth -s reload`): a new generation starts, takes
// over, the old one drains; a config that does not load, or an address
// that cannot be bound, leaves the running workers alone.
#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>


#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/http_client.h"
#include "tests/support/load_generator.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

int reload(const ServerProcess& server, std::string* output) {
  return run_hearth({"-c", server.config_path(), "-s", "reload"}, output);
}

bool all_gone(const std::vector<int>& pids) {
  return eventually(10000, [&] {
    for (int p : pids) {
      if (process_exists(p)) return false;
    }
    return true;
  });
}

// A listening socket on an ephemeral port, to make "address in use".
struct BusyPort {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  BusyPort() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd, 1);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~BusyPort() { close(fd); }
};

TEST(SupervisorReload, FiveReloadsUnderLoadLoseNoRequest) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  server.dir().write("root_b/index.html", "B\n");
  server.config()["response_headers"] = {{"X-Generation", "1"}};
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> old_pids = wait_for_workers(server.port(), 2);
  ASSERT_EQ(old_pids.size(), 2u);

  LoadGenerator load(server.port(), "/", 3);
  ASSERT_TRUE(eventually(5000, [&] { return load.done() > 20; }));
  for (int generation = 2; generation <= 6; generation++) {
    bool root_b = generation % 2 == 0;
    server.config()["response_headers"]["X-Generation"] = std::to_string(generation);
    server.config()["root"] = server.dir().path() + (root_b ? "/root_b" : "/root");
    server.write_config();
    std::string output;
    ASSERT_EQ(reload(server, &output), 0) << output << server.error_log();
    EXPECT_NE(output.find("reload done: generation " + std::to_string(generation) + " serving"),
              std::string::npos)
        << output;
    // Once the old generation has drained away, only the new config answers.
    ASSERT_TRUE(all_gone(old_pids)) << server.error_log();
    std::vector<int> pids = wait_for_workers(server.port(), 2, old_pids);
    ASSERT_EQ(pids.size(), 2u) << server.error_log();
    for (int i = 0; i < 4; i++) {
      HttpResponse r = http_get(server.port(), "/", {"Connection: close"});
      EXPECT_EQ(r.header("x-generation"), std::to_string(generation));
      EXPECT_EQ(r.body, root_b ? "B\n" : "hello\n");
    }
    old_pids = pids;
  }
  int before_stop = load.done();
  ASSERT_TRUE(eventually(5000, [&] { return load.done() > before_stop + 10; }));
  LoadResult result = load.stop();
  EXPECT_EQ(result.failed, 0) << (result.failures.empty() ? "" : result.failures[0]);
  EXPECT_GT(result.ok, 50);
  EXPECT_EQ(fetch_status(server.port())["generation"], 6);
  EXPECT_EQ(count_of(server.error_log(), "reload done"), 5);
}

TEST(SupervisorReload, BrokenConfigKeepsTheRunningWorkers) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> pids = wait_for_workers(server.port(), 2);
  ASSERT_EQ(pids.size(), 2u);
  std::string good_config = read_file(server.config_path());
  server.dir().write("hearth.json", "{\n  \"workers\": 2,\n  \"root\": \"root\",\n  \"limits\": {\"body_bytes\": \"big\"}\n}\n");

  // `-s reload` reads the config first, finds it broken and says so.
  std::string output;
  EXPECT_EQ(reload(server, &output), 1) << output;
  std::string with_line = "reload failed: " + server.config_path() + ":4: limits.body_bytes";
  EXPECT_TRUE(output.find(with_line) != std::string::npos) << output;
  // A plain SIGHUP: the master itself refuses the config and logs why.
  ASSERT_EQ(kill(server.pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually(5000, [&] { return server.error_log().find(with_line) != std::string::npos; }))
      << server.error_log();
  // --pid-file lets -s reach the master anyway; the master's reason comes back.
  EXPECT_EQ(run_hearth({"-c", server.config_path(), "--pid-file", pid_file_of(server), "-s", "reload"}, &output), 1)
      << output;
  EXPECT_TRUE(output.find(with_line) != std::string::npos) << output;
  EXPECT_EQ(count_of(server.error_log(), "reload failed: "), 2) << server.error_log();

  EXPECT_EQ(status_pids(fetch_status(server.port())), pids);
  EXPECT_EQ(http_get(server.port(), "/").status, 200);
  EXPECT_EQ(fetch_status(server.port())["generation"], 1);
  // And a fixed config reloads fine afterwards.
  server.dir().write("hearth.json", good_config);
  EXPECT_EQ(reload(server, &output), 0) << output;
  EXPECT_TRUE(all_gone(pids)) << server.error_log();
}

// New workers that never report READY (here: stuck opening a mime.types
// that is a FIFO nobody writes) are killed at hang_timeout; the reload fails
// and the old generation serves on without losing a request.
TEST(SupervisorReload, NewWorkersThatNeverGetReadyKeepTheOldOnes) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  server.config()["supervisor"]["hang_timeout"] = 1;
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> pids = wait_for_workers(server.port(), 2);
  ASSERT_EQ(pids.size(), 2u);
  LoadGenerator load(server.port(), "/", 2);
  ASSERT_TRUE(eventually(5000, [&] { return load.done() > 20; }));
  std::string fifo = server.dir().path() + "/mime.types";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);

  std::string output;
  EXPECT_EQ(reload(server, &output), 1) << output;
  EXPECT_NE(output.find("of the new generation"), std::string::npos) << output;
  EXPECT_TRUE(server.wait_for_log("not ready after 1 s, killing", 2000)) << server.error_log();
  EXPECT_EQ(status_pids(fetch_status(server.port())), pids);
  LoadResult result = load.stop();
  EXPECT_EQ(result.failed, 0) << (result.failures.empty() ? "" : result.failures[0]);

  unlink(fifo.c_str());
  EXPECT_EQ(reload(server, &output), 0) << output;
  EXPECT_TRUE(all_gone(pids)) << server.error_log();
}

TEST(SupervisorReload, AddressInUseKeepsTheOldAddress) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> pids = wait_for_workers(server.port(), 1);
  BusyPort busy;
  server.config()["listen"] = "127.0.0.1:" + std::to_string(busy.port);
  server.write_config();
  std::string output;
  EXPECT_EQ(reload(server, &output), 1) << output;
  EXPECT_NE(output.find("127.0.0.1:" + std::to_string(busy.port) + ": address already in use"), std::string::npos)
      << output;
  EXPECT_EQ(status_pids(fetch_status(server.port())), pids);
}

TEST(SupervisorReload, MovesToANewAddress) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  int new_port = 0;
  {
    BusyPort probe;  // a port that was free a moment ago
    new_port = probe.port;
  }
  server.config()["listen"] = "127.0.0.1:" + std::to_string(new_port);
  server.write_config();
  std::string output;
  ASSERT_EQ(reload(server, &output), 0) << output << server.error_log();
  EXPECT_TRUE(server.wait_for_log("listening on 127.0.0.1:" + std::to_string(new_port), 1000));
  EXPECT_EQ(http_get(new_port, "/").status, 200);
  // The old socket is closed once the old worker drained.
  EXPECT_TRUE(eventually(5000, [&] {
    Client c;
    return !c.connect(server.port(), 500);
  }));
}

}  // namespace
}  // namespace hearth::test
