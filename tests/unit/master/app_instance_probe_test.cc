// The readiness check against sockets the test listens on itself.
#include "master/app_instance_probe.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace hearth {
namespace {

using Ms = std::chrono::milliseconds;

// A listening socket on 127.0.0.1 that answers each connection with
// `answer` (after reading the request) from a thread; "" = never accept.
class FakeApp {
 public:
  explicit FakeApp(std::string answer = "") : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    if (!answer_.empty()) thread_ = std::thread([this] { serve(); });
  }
  ~FakeApp() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  UpstreamAddress address() const {
    UpstreamAddress a;
    std::string error;
    EXPECT_TRUE(parse_upstream_address("127.0.0.1:" + std::to_string(port_), &a, &error));
    return a;
  }
  const std::string& request() const { return request_; }
  int port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[1024];
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n > 0 && request_.empty()) request_.assign(buf, static_cast<size_t>(n));
      ssize_t sent = send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL);
      (void)sent;
      close(c);
    }
  }

  std::string answer_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::string request_;
};

// Steps like the master does, every ~100 ms, for at most `limit`.
bool ready_within(ReadinessProbe& probe, Ms limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (probe.step(Ms(100))) return true;
  }
  return false;
}

UpstreamAddress free_address() {
  // A port that was just free: nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  UpstreamAddress a;
  std::string error;
  parse_upstream_address("127.0.0.1:" + std::to_string(ntohs(sa.sin_port)), &a, &error);
  return a;
}

TEST(ParseStatusLine, ReadsHttpStatusLines) {
  EXPECT_EQ(parse_status_line("HTTP/1.1 200 OK\r\n"), 200);
  EXPECT_EQ(parse_status_line("HTTP/1.0 302\r\nLocation: /\r\n"), 302);
  EXPECT_EQ(parse_status_line("HTTP/1.1 503 Service Unavailable\n"), 503);
  EXPECT_EQ(parse_status_line("HTTP/1.1 200 O"), 0);
  EXPECT_EQ(parse_status_line(""), 0);
  EXPECT_EQ(parse_status_line("SSH-2.0-OpenSSH\r\n"), -1);
  EXPECT_EQ(parse_status_line("HTTP/1.1 2000 OK\r\n"), -1);
  EXPECT_EQ(parse_status_line("HTTP/1.1 20x OK\r\n"), -1);
}

TEST(ReadinessProbe, WithoutAPathAConnectIsEnough) {
  FakeApp app;  // listens, never accepts: the kernel completes the handshake
  ReadinessProbe probe(app.address(), "");
  EXPECT_TRUE(ready_within(probe, Ms(2000))) << probe.last_failure();
  EXPECT_TRUE(probe.step(Ms(0)));  // and stays ready
  EXPECT_EQ(probe.poll_fd().fd, -1);
}

TEST(ReadinessProbe, RefusedIsNotReadyAndSaysWhy) {
  ReadinessProbe probe(free_address(), "");
  EXPECT_FALSE(ready_within(probe, Ms(300)));
  EXPECT_EQ(probe.last_failure(), "connect: connection refused");
}

TEST(ReadinessProbe, HttpCheckSendsAGetAndTakes2xxAnd3xx) {
  for (const char* answer : {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "HTTP/1.1 301 Moved\r\n\r\n"}) {
    FakeApp app(answer);
    ReadinessProbe probe(app.address(), "/health");
    EXPECT_TRUE(ready_within(probe, Ms(2000))) << answer << ": " << probe.last_failure();
    EXPECT_EQ(app.request().rfind("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", 0), 0u)
        << app.request();
  }
}

TEST(ReadinessProbe, HttpCheckRefusesOtherStatuses) {
  FakeApp app("HTTP/1.1 503 Service Unavailable\r\n\r\n");
  ReadinessProbe probe(app.address(), "/health");
  EXPECT_FALSE(ready_within(probe, Ms(400)));
  EXPECT_EQ(probe.last_failure(), "GET /health answered 503");
}

TEST(ReadinessProbe, HttpCheckRefusesWhatIsNotHttp) {
  FakeApp app("SSH-2.0-OpenSSH_9.2\r\n");
  ReadinessProbe probe(app.address(), "/health");
  EXPECT_FALSE(ready_within(probe, Ms(400)));
  EXPECT_EQ(probe.last_failure(), "GET /health answered something other than HTTP");
}

TEST(ReadinessProbe, AStepNeverWaitsLongerThanItsBudget) {
  FakeApp app;  // accepts in the kernel but never answers the GET
  ReadinessProbe probe(app.address(), "/health");
  for (int i = 0; i < 5; i++) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(probe.step(Ms(20)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, Ms(200));
  }
  EXPECT_NE(probe.poll_fd().fd, -1);  // the master polls it with everything else
}

TEST(ReadinessProbe, ConnectsToAUnixSocket) {
  test::TempDir dir;
  std::string path = dir.path() + "/app.sock";
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  UpstreamAddress address;
  std::string error;
  ASSERT_TRUE(parse_upstream_address("unix:" + path, &address, &error)) << error;
  ReadinessProbe probe(address, "");
  EXPECT_TRUE(ready_within(probe, Ms(2000))) << probe.last_failure();
  close(fd);
}

}  // namespace
}  // namespace hearth
