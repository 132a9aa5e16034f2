// Slow and idle clients (issue 10): a client that keeps reading gets the
// whole response however long it takes; a pipelined request split around a
// large response is answered at once; idle keep-alive connections make room
// for new clients; downloads survive a reload and a graceful stop; memory
// goes back after a burst of slow readers.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/process/supervisor_config.h"
#include "tests/support/http_client.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string pattern_bytes(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; i++) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

// Reads one response on `c` at about `bytes_per_second`, for at most
// `max_ms`. Returns the body bytes received (the head is dropped).
struct SlowDownload {
  size_t body_bytes = 0;
  size_t content_length = 0;
  bool complete() const { return content_length > 0 && body_bytes == content_length; }
};

SlowDownload read_slowly(Client& c, size_t bytes_per_second, int max_ms) {
  SlowDownload d;
  const size_t step = 16 * 1024;
  const auto tick = std::chrono::microseconds(1000000 * step / bytes_per_second);
  auto deadline = Clock::now() + std::chrono::milliseconds(max_ms);
  std::string head;
  bool in_body = false;
  char buf[16 * 1024];
  auto next = Clock::now();
  for (int rounds = 0; rounds < 1000000 && Clock::now() < deadline; rounds++) {
    std::this_thread::sleep_until(next);
    next += tick;
    pollfd pfd{c.fd(), POLLIN, 0};
    if (poll(&pfd, 1, 2000) <= 0) continue;
    ssize_t n = recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;  // closed: complete or cut
    if (in_body) {
      d.body_bytes += static_cast<size_t>(n);
    } else {
      head.append(buf, static_cast<size_t>(n));
      size_t end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      size_t cl = head.find("Content-Length: ");
      if (cl != std::string::npos) d.content_length = std::stoul(head.substr(cl + 16));
      d.body_bytes = head.size() - end - 4;
      in_body = true;
    }
    if (d.complete()) break;
  }
  return d;
}

// Opens a connection with a small receive buffer and asks for `path`.
std::unique_ptr<Client> start_download(int port, const std::string& path) {
  auto c = std::make_unique<Client>();
  if (!c->connect(port, 3000, 32 * 1024)) return nullptr;
  if (!c->send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")) return nullptr;
  return c;
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, 6, "VmRSS:") == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A 12 MiB file behind a send timeout far shorter than a slow download:
// only the time between two writes may count.
class SendTimeoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.config()["limits"] = {{"body_timeout", 1}};
    server_.dir().write("root/big.bin", pattern_bytes(kSize));
    ASSERT_TRUE(server_.start()) << server_.error_log();
    download_ = start_download(server_.port(), "/big.bin");
    ASSERT_NE(download_, nullptr);
  }
  static constexpr size_t kSize = 12 << 20;
  ServerProcess server_;
  std::unique_ptr<Client> download_;
};

TEST_F(SendTimeoutTest, SlowReaderGetsTheWholeFile) {
  SlowDownload d = read_slowly(*download_, 2 << 20, 30000);  // about 6 s
  EXPECT_EQ(d.content_length, kSize);
  EXPECT_TRUE(d.complete()) << "got " << d.body_bytes << " of " << d.content_length;
}

TEST_F(SendTimeoutTest, StalledReaderIsStillCutOff) {
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // reads nothing
  std::string got = download_->read_until_close(5000);
  EXPECT_LT(got.size(), kSize);
  EXPECT_EQ(http_get(server_.port(), "/big.bin", {"Range: bytes=0-3"}).status, 206);
}

// A large response, then half of the next request in the same write, the
// rest a moment later: the second request is answered when it is complete.
TEST(SlowClient, PipelinedRequestSplitAfterLargeResponseIsAnswered) {
  ServerProcess server;
  server.config()["limits"] = {{"header_timeout", 5}};
  server.dir().write("root/big.bin", pattern_bytes(8 << 20));
  server.dir().write("root/small.txt", "small\n");
  ASSERT_TRUE(server.start()) << server.error_log();
  Client c;
  ASSERT_TRUE(c.connect(server.port(), 3000, 32 * 1024));
  ASSERT_TRUE(c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /small.txt HT"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the output backs up
  HttpResponse big;
  ASSERT_TRUE(c.read_response(&big, 10000));
  EXPECT_EQ(big.body.size(), 8u << 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ASSERT_TRUE(c.send("TP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse small;
  ASSERT_TRUE(c.read_response(&small, 3000));
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(small.body, "small\n");
}

class IdleConnectionsTest : public ::testing::Test {
 protected:
  static constexpr int kLimit = 20;
  void SetUp() override {
    server_.config()["limits"] = {{"max_connections", kLimit}, {"keepalive_timeout", 75},
                                  {"header_timeout", 30}};
    server_.dir().write("root/hello.txt", "hello\n");
    ASSERT_TRUE(server_.start()) << server_.error_log();
  }
  HttpResponse get_on(Client& c) {
    HttpResponse r;
    if (c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")) c.read_response(&r, 3000);
    return r;
  }
  ServerProcess server_;
};

TEST_F(IdleConnectionsTest, IdleKeepAlivesMakeRoomOldestFirst) {
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < kLimit; i++) {
    idle.push_back(std::make_unique<Client>());
    ASSERT_TRUE(idle.back()->connect(server_.port()));
    ASSERT_EQ(get_on(*idle.back()).status, 200) << i;
  }
  // Every slot is held by a keep-alive connection that is merely waiting.
  Client fresh;
  ASSERT_TRUE(fresh.connect(server_.port()));
  EXPECT_EQ(get_on(fresh).status, 200);
  EXPECT_TRUE(idle.front()->closed_by_server(2000));  // the oldest made room
  EXPECT_EQ(get_on(*idle.back()).status, 200);        // the newest still serves
  EXPECT_TRUE(server_.wait_for_log("closing idle connections to make room", 2000));
}

TEST_F(IdleConnectionsTest, SilentConnectionsMakeRoom) {
  std::vector<std::unique_ptr<Client>> silent;
  for (int i = 0; i < kLimit * 3; i++) {  // never send a byte
    silent.push_back(std::make_unique<Client>());
    ASSERT_TRUE(silent.back()->connect(server_.port()));
  }
  Client fresh;
  ASSERT_TRUE(fresh.connect(server_.port()));
  EXPECT_EQ(get_on(fresh).status, 200);
}

TEST_F(IdleConnectionsTest, BusyConnectionsAreNotClosedForRoom) {
  server_.dir().write("root/big.bin", pattern_bytes(8 << 20));
  std::vector<std::unique_ptr<Client>> busy;
  for (int i = 0; i < kLimit; i++) {  // slow downloads hold every slot
    busy.push_back(start_download(server_.port(), "/big.bin"));
    ASSERT_NE(busy.back(), nullptr);
  }
  Client fresh;
  ASSERT_TRUE(fresh.connect(server_.port()));
  ASSERT_TRUE(fresh.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse r;
  EXPECT_FALSE(fresh.read_response(&r, 500));  // waits in the backlog
  // None of the downloads was cut to make room.
  SlowDownload d = read_slowly(*busy.front(), 64 << 20, 20000);
  EXPECT_TRUE(d.complete()) << "got " << d.body_bytes;
  busy.clear();  // room now
  EXPECT_TRUE(fresh.read_response(&r, 5000));
  EXPECT_EQ(r.status, 200);
}

// The numbers: 10,000 keep-alive connections that each sent a
// request and now wait, against the default max_connections (4096).
TEST(SlowClient, TenThousandIdleKeepAlivesDoNotKeepANewClientOut) {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 10500 && files.rlim_max >= 10500) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 20000);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (files.rlim_cur < 10500) GTEST_SKIP() << "open file limit " << files.rlim_cur << " is below 10,500";
  ServerProcess server;
  server.dir().write("root/hello.txt", "hello\n");
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<std::unique_ptr<Client>> idle;
  int served = 0;
  for (int i = 0; i < 10000; i++) {
    auto c = std::make_unique<Client>();
    HttpResponse r;
    if (c->connect(server.port()) && c->send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n") &&
        c->read_response(&r, 3000) && r.status == 200) {
      served++;
    }
    idle.push_back(std::move(c));
  }
  EXPECT_EQ(served, 10000);  // every one of them was served in turn
  HttpResponse r;
  Client fresh;
  ASSERT_TRUE(fresh.connect(server.port()));
  ASSERT_TRUE(fresh.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(fresh.read_response(&r, 1000));
  EXPECT_EQ(r.status, 200);
}

// A download in flight when the server is reloaded is finished by the old
// worker, which leaves afterwards; one in flight at a graceful stop (TERM)
// is finished within shutdown_timeout, whose default is 30 s.
TEST(SlowClient, DownloadsSurviveReloadAndGracefulStop) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  server.config()["supervisor"].erase("shutdown_timeout");  // the default
  server.dir().write("root/big.bin", pattern_bytes(32 << 20));
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> old_pids = wait_for_workers(server.port(), 1);
  ASSERT_EQ(old_pids.size(), 1u);

  auto during_reload = start_download(server.port(), "/big.bin");
  ASSERT_NE(during_reload, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string out;
  ASSERT_EQ(run_hearth({"-c", server.config_path(), "-s", "reload"}, &out), 0) << out;
  SlowDownload d = read_slowly(*during_reload, 5 << 19, 30000);  // 2.5 MB/s: about 13 s
  EXPECT_TRUE(d.complete()) << "reload cut the download at " << d.body_bytes;
  EXPECT_TRUE(eventually(5000, [&] { return !process_exists(old_pids[0]); }));

  std::vector<int> new_pids = wait_for_workers(server.port(), 1, old_pids);
  ASSERT_EQ(new_pids.size(), 1u);
  auto during_stop = start_download(server.port(), "/big.bin");
  ASSERT_NE(during_stop, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(server.pid(), SIGTERM), 0);
  d = read_slowly(*during_stop, 5 << 19, 30000);
  EXPECT_TRUE(d.complete()) << "TERM cut the download at " << d.body_bytes;
  int status = server.stop(SIGTERM, 10000);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// After a burst of slow readers the worker gives its memory back.
TEST(SlowClient, MemoryReturnsAfterABurstOfSlowReaders) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator holds freed memory in quarantine; malloc_trim is glibc's";
#endif
  ServerProcess server;
  server.config()["limits"] = {{"max_connections", 1000}};
  server.dir().write("root/big.bin", pattern_bytes(4 << 20));
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<pid_t> workers;
  eventually(5000, [&] {
    workers = children_of(server.pid());
    return workers.size() == 1;
  });
  ASSERT_EQ(workers.size(), 1u);
  ASSERT_EQ(http_get(server.port(), "/big.bin", {"Range: bytes=0-3"}).status, 206);
  long baseline = rss_kib(workers[0]);
  std::vector<std::unique_ptr<Client>> burst;
  for (int i = 0; i < 400; i++) {  // each holds one output chunk while stalled
    burst.push_back(start_download(server.port(), "/big.bin"));
    ASSERT_NE(burst.back(), nullptr);
  }
  long peak = baseline;
  eventually(5000, [&] {
    peak = std::max(peak, rss_kib(workers[0]));
    return peak - baseline > 16 * 1024;
  });
  ASSERT_GT(peak - baseline, 16 * 1024) << "the burst did not take memory; nothing to check";
  burst.clear();
  long after = peak;
  bool returned = eventually(8000, [&] {
    after = rss_kib(workers[0]);
    return after - baseline < (peak - baseline) / 4;
  });
  EXPECT_TRUE(returned) << "baseline " << baseline << " KiB, peak " << peak << " KiB, after " << after << " KiB";
}

}  // namespace
}  // namespace hearth::test
