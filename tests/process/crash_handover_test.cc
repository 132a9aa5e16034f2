// A crash costs exactly one request (issue 15): a worker dies with every
// kind of client on it, and only the request that killed it is lost. Its
// idle keep-alive connections go on, on the same TCP connection, with a
// sibling; its waiting GETs are served again there; its waiting POSTs get
// a 503 to retry; its WebSockets a close 1012 to reconnect; and the master
// logs what happened to each. The clients are
// tests/process/crash_handover_client.py (asyncio, python3-websockets).
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

// What the client puts on its target worker (crash_handover_client.py).
constexpr int kKeepAlive = 100;
constexpr int kWaiting = 20;
constexpr int kPosts = 2;
constexpr int kWebSockets = 5;
constexpr int kIdle = 10;  // the single-worker scenario
// Keep-alive connections a crash may catch mid-response (the server cuts
// them, the client sees them fail): only a few can be, at any instant.
constexpr int kMaxCut = 3;  // MAX_CUT in the client

// Runs crash_handover_client.py with `args` (bounded to 90 s; it bounds
// itself to 55) and returns its summary, a null json when it printed none.
// *output gets everything it printed.
nlohmann::json run_client(const std::vector<std::string>& args, std::string* output) {
  std::string cmd = "timeout 90 /usr/bin/python3 " + process_test_dir() + "crash_handover_client.py";
  for (const std::string& a : args) cmd += " " + a;
  run_command(cmd + " 2>&1", output);
  size_t line = output->rfind("{\"scenario\"");
  if (line == std::string::npos) return nlohmann::json();
  return nlohmann::json::parse(output->substr(line), nullptr, /*allow_exceptions=*/false);
}

// What the master's log says about a death: the text after "WHO CAUSE; "
// to the end of that line ("1 request answered 500, ..."), or "" if no such
// line came within `timeout_ms`.
std::string crash_counts_in_log(const ServerProcess& server, const std::string& who_and_cause, int timeout_ms) {
  std::string needle = who_and_cause + "; ";
  if (!server.wait_for_log(needle, timeout_ms)) return "";
  std::string log = server.error_log();
  size_t start = log.find(needle) + needle.size();
  size_t end = log.find('\n', start);
  return log.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The counts line as master.cc writes it (describe_crash_counts).
std::string crash_counts(int handed_over, int replayed, int answered_503, int websockets, int cut) {
  return "1 request answered 500, " + std::to_string(handed_over) + " connection" + (handed_over == 1 ? "" : "s") +
         " handed over, " + std::to_string(replayed) + " replayed, " + std::to_string(answered_503) +
         " answered 503, " + std::to_string(websockets) + " WebSocket" + (websockets == 1 ? "" : "s") +
         " closed 1012, 0 TLS closed, " + std::to_string(cut) + " cut";
}

// The slot of `pid` among `pids` (1-based, as the log counts), 0 if none.
int slot_of(const std::vector<int>& pids, int pid) {
  for (size_t i = 0; i < pids.size(); i++) {
    if (pids[i] == pid) return static_cast<int>(i) + 1;
  }
  return 0;
}

std::string who(int slot, int pid) { return "worker " + std::to_string(slot) + " (pid " + std::to_string(pid) + ")"; }

struct Trigger {
  const char* path;
  const char* cause;  // in the master's log
  int hang_timeout;   // seconds; 0 = the default of use_supervisor_config
};

void PrintTo(const Trigger& t, std::ostream* os) { *os << t.path; }

class CrashHandover : public ::testing::TestWithParam<Trigger> {};

// Every keep-alive connection carried on with the sibling, except those a
// crash caught mid-response, which the server counted as cut. Returns how
// many failed.
int expect_keep_alives_moved(const nlohmann::json& k) {
  int failed = k["failed"].get<int>();
  EXPECT_LE(failed, kMaxCut) << k.dump();
  EXPECT_EQ(k["failed_in_flight"], failed) << "a connection failed between requests: " << k.dump();
  EXPECT_EQ(k["moved"], kKeepAlive - failed) << "not answered by another worker after the crash: " << k.dump();
  EXPECT_EQ(k["back_on_target"], 0) << k.dump();
  EXPECT_GT(k["ok"].get<int>(), kKeepAlive * 5) << k.dump();
  return failed;
}

TEST_P(CrashHandover, OnlyTheCrashingRequestIsLost) {
  ServerProcess server;
  use_supervisor_config(server, 2);
  if (GetParam().hang_timeout > 0) server.config()["supervisor"]["hang_timeout"] = GetParam().hang_timeout;
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> before = wait_for_workers(server.port(), 2);
  ASSERT_EQ(before.size(), 2u) << server.error_log();

  std::string output;
  nlohmann::json s = run_client({"handover", std::to_string(server.port()), GetParam().path}, &output);
  ASSERT_TRUE(s.is_object()) << "the client printed no summary:\n" << output << server.error_log();
  ASSERT_TRUE(s.contains("drill")) << output << server.error_log();
  int target = s["target_pid"].get<int>();
  int slot = slot_of(before, target);
  ASSERT_NE(slot, 0) << "target " << target << " is no worker of /status: " << output;
  EXPECT_EQ(s["drill"]["status"], 500) << output;
  EXPECT_LT(s["drill_gap_ms"].get<int>(), 400) << "the waiting requests may have been answered before the drill";
  int cut = expect_keep_alives_moved(s["keep_alive"]);
  EXPECT_EQ(s["waiting"]["ok"], kWaiting) << s["waiting"].dump();
  EXPECT_EQ(s["posts"]["ok"], kPosts) << s["posts"].dump();
  EXPECT_EQ(s["websockets"]["codes"], nlohmann::json(std::vector<int>(kWebSockets, 1012))) << output;
  EXPECT_EQ(s["problems"], nlohmann::json::array()) << output;

  EXPECT_EQ(crash_counts_in_log(server, who(slot, target) + " " + GetParam().cause, 5000),
            crash_counts(kKeepAlive - cut, kWaiting, kPosts, kWebSockets, cut))
      << server.error_log();
  std::vector<int> after = wait_for_workers(server.port(), 2, {target});
  ASSERT_EQ(after.size(), 2u) << server.error_log();
  EXPECT_EQ(after[2 - slot], before[2 - slot]) << "the sibling died too";
  for (const auto& pid : s["keep_alive"]["pids"]) {  // the target's, then the sibling's or the replacement's
    EXPECT_TRUE(pid == target || pid == after[0] || pid == after[1]) << pid << " is no worker";
  }
  EXPECT_EQ(count_of(server.error_log(), " killed by "), 1) << server.error_log();
}

INSTANTIATE_TEST_SUITE_P(CrashHandoverBy, CrashHandover,
                         ::testing::Values(Trigger{"/debug/segv", "killed by SIGSEGV", 0},
                                           Trigger{"/debug/abort", "killed by SIGABRT", 0},
                                           Trigger{"/debug/hang", "killed by SIGABRT (missed heartbeats)", 2}),
                         [](const ::testing::TestParamInfo<Trigger>& info) {
                           return std::string(info.param.path + 7);  // "segv", "abort", "hang"
                         });

// No sibling: the master keeps the idle connections until the replacement
// is ready, and their next requests (sent at once, waiting in the socket)
// are answered then.
TEST(CrashHandoverAlone, IdleConnectionsWaitForTheReplacement) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> before = wait_for_workers(server.port(), 1);
  ASSERT_EQ(before.size(), 1u) << server.error_log();

  std::string output;
  nlohmann::json s = run_client({"alone", std::to_string(server.port()), "/debug/segv"}, &output);
  ASSERT_TRUE(s.is_object()) << "the client printed no summary:\n" << output << server.error_log();
  ASSERT_TRUE(s.contains("idle")) << output << server.error_log();
  EXPECT_EQ(s["target_pid"], before[0]);
  EXPECT_EQ(s["drill"]["status"], 500) << output;
  EXPECT_EQ(s["idle"]["ok"], kIdle) << output;
  EXPECT_LT(s["idle"]["max_wait_ms"].get<int>(), 5000) << output;
  EXPECT_EQ(s["problems"], nlohmann::json::array()) << output;

  EXPECT_EQ(crash_counts_in_log(server, who(1, before[0]) + " killed by SIGSEGV", 5000),
            crash_counts(kIdle, 0, 0, 0, 0))
      << server.error_log();
  std::vector<int> after = wait_for_workers(server.port(), 1, before);
  ASSERT_EQ(after.size(), 1u) << server.error_log();
  EXPECT_EQ(s["idle"]["pids"], nlohmann::json(after)) << "served by someone other than the replacement";
}

}  // namespace
}  // namespace hearth::test
