// The upstream (docs/UPSTREAM.md): hearth proxying what no file answers to
// an HTTP app, and running that app itself (upstream.command).
//
// The app is tests/upstream/upstream_app.go, and the hearth is hearthd (no
// C++ routes of its own, so none shadows the app's /json or /socket); `make
// test` builds both beside HEARTH_BIN ($(BUILD)/tests/upstream_app,
// $(BUILD)/hearthd). With `servers` the test starts the app itself on a
// free port (or a unix socket) and kills it by pid at the end; with
// `command` hearth starts it, and the test finds the instances in /status.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/process/supervisor_config.h"
#include "tests/support/decompress.h"
#include "tests/support/http_client.h"
#include "tests/support/load_generator.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace hearth::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kMiB = 1 << 20;

// Absolute: hearth runs upstream.command in the config's folder.
std::string build_dir() { return fs::absolute(fs::path(hearth_binary())).parent_path().string(); }
std::string upstream_app_binary() { return build_dir() + "/tests/upstream_app"; }
std::string hearthd_binary() { return build_dir() + "/hearthd"; }

// The worker holds a bounded window of a transfer, never the transfer.
// Under AddressSanitizer freed memory sits in its quarantine (up to
// 256 MiB), so every byte that passed counts as resident: only the
// transfer's correctness is checked there.
void expect_worker_stayed_small(long before_kb, long peak_kb) {
#if defined(__SANITIZE_ADDRESS__)
  (void)before_kb;
  (void)peak_kb;
#else
  EXPECT_LT(peak_kb - before_kb, 30 * 1024) << "worker RSS grew from " << before_kb << " to " << peak_kb << " kB";
#endif
}

long ms_since(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Lower case, without quotes or spaces: `for="127.0.0.1"; Host=a` -> `for=127.0.0.1;host=a`.
std::string squeezed(const std::string& s) {
  std::string out;
  for (char c : lower(s)) {
    if (c != '"' && c != ' ') out += c;
  }
  return out;
}

// The first line of `text` holding every one of `needles`, else "".
std::string line_with(const std::string& text, const std::vector<std::string>& needles) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    bool all = true;
    for (const std::string& n : needles) all = all && line.find(n) != std::string::npos;
    if (all) return line;
  }
  return "";
}

// One request written as given (Host included) on a fresh connection.
HttpResponse exchange(int port, const std::string& request, int timeout_ms = 5000) {
  Client c;
  HttpResponse r;
  if (!c.connect(port) || !c.send(request)) return r;
  c.read_response(&r, timeout_ms);
  return r;
}

nlohmann::json json_of(const HttpResponse& r) {
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

// Upload bodies: 1 MiB blocks of byte i = i % 251 (as reply_test's upload).
std::string upload_block() {
  std::string block(kMiB, '\0');
  for (size_t i = 0; i < kMiB; i++) block[i] = static_cast<char>(i % 251);
  return block;
}

// SHA-256 of `count` upload blocks, hex (Python's hashlib: process_tests
// does not link a crypto library).
std::string sha256_of_blocks(int count) {
  std::string out;
  run_command("/usr/bin/python3 -c \"import hashlib; b = bytes(i % 251 for i in range(1 << 20)); "
              "h = hashlib.sha256(); [h.update(b) for _ in range(" +
                  std::to_string(count) + ")]; print(h.hexdigest())\"",
              &out);
  if (out.size() > 64) out.resize(64);
  return out;
}

// Checks a body of the app's /download as it streams: byte i = i*7 mod 251.
struct DownloadCheck {
  size_t bytes = 0;
  size_t first_wrong = std::string::npos;
  unsigned expected = 0;  // (bytes * 7) % 251
  void feed(const char* data, size_t n) {
    for (size_t i = 0; i < n; i++) {
      if (first_wrong == std::string::npos && static_cast<unsigned char>(data[i]) != expected) first_wrong = bytes + i;
      expected = (expected + 7) % 251;
    }
    bytes += n;
  }
  bool right(size_t size) const { return bytes == size && first_wrong == std::string::npos; }
};

// The Go app, run by the test (for `upstream.servers`).
class UpstreamApp {
 public:
  explicit UpstreamApp(const TempDir& dir) : dir_(dir) {}
  // On a free port of 127.0.0.1; true once GET /health answers 200.
  bool start_tcp() {
    port_ = free_tcp_port();
    address_ = "127.0.0.1:" + std::to_string(port_);
    if (port_ <= 0 || !process_.start(upstream_app_binary(), {"-addr", address_}, dir_.path() + "/app.log")) return false;
    return eventually(10000, [&] { return process_.running() && http_get(port_, "/health").status == 200; });
  }
  // On a unix socket in the test's folder.
  bool start_unix() {
    std::string path = dir_.path() + "/app.sock";
    address_ = "unix:" + path;
    if (!process_.start(upstream_app_binary(), {"-socket", path}, dir_.path() + "/app.log")) return false;
    return eventually(10000, [&] {
      Client c;
      HttpResponse r;
      return process_.running() && c.connect_unix(path) &&
             c.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") && c.read_response(&r) &&
             r.status == 200;
    });
  }
  pid_t pid() const { return process_.pid(); }
  int port() const { return port_; }
  // As `upstream.servers` writes it.
  const std::string& address() const { return address_; }
  std::string output() const { return process_.output(); }
  // Straight from the app, not through hearth (TCP only).
  HttpResponse get(const std::string& target) { return http_get(port_, target, {"Connection: close"}); }

 private:
  const TempDir& dir_;
  BackgroundProcess process_;
  int port_ = 0;
  std::string address_;
};

bool binaries_built(std::string* why) {
  for (const std::string& b : {upstream_app_binary(), hearthd_binary()}) {
    if (access(b.c_str(), X_OK) != 0) {
      *why = b + " is missing: `make test` builds it";
      return false;
    }
  }
  return true;
}

// ================================================= upstream.servers: an app the test runs

class UpstreamServersTest : public ::testing::Test {
 protected:
  UpstreamServersTest() : app_(app_dir_) {}
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(binaries_built(&why)) << why;
    ASSERT_TRUE(app_.start_tcp()) << app_.output();
    server_.set_binary(hearthd_binary());
    server_.config()["workers"] = 1;
    server_.config()["upstream"] = {{"servers", {app_.address()}}};
    server_.dir().write("root/hello.txt", "hello from hearth\n");
  }
  nlohmann::json& upstream() { return server_.config()["upstream"]; }
  bool start() { return server_.start(); }
  int port() const { return server_.port(); }
  HttpResponse get(const std::string& target, const std::vector<std::string>& headers = {}) {
    return http_get(port(), target, headers);
  }
  // The worker (one): the master's only child.
  pid_t worker_pid() {
    std::vector<pid_t> kids;
    eventually(5000, [&] { return (kids = children_of(server_.pid())).size() == 1; });
    return kids.size() == 1 ? kids[0] : -1;
  }

  TempDir app_dir_;
  UpstreamApp app_;
  ServerProcess server_;
};

TEST_F(UpstreamServersTest, FilesComeFromHearthEverythingElseFromTheApp) {
  server_.dir().write("root/pid", "a file named pid\n");  // shadows the app's /pid
  ASSERT_TRUE(start()) << server_.error_log();
  HttpResponse file = get("/hello.txt");
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, "hello from hearth\n");
  EXPECT_EQ(get("/pid").body, "a file named pid\n");

  HttpResponse json = get("/json");
  ASSERT_EQ(json.status, 200) << json.body << server_.error_log();
  EXPECT_NE(json.header("content-type").find("application/json"), std::string::npos);
  nlohmann::json j = json_of(json);
  EXPECT_EQ(j.value("message", ""), "Hello, World!") << json.body;
  EXPECT_EQ(j.value("pid", 0), app_.pid()) << json.body;
  EXPECT_TRUE(json.keep_alive);

  // The app's own answers pass as they are, errors included: Go's 404 page,
  // not hearth's.
  HttpResponse missing = get("/no-such-thing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "404 page not found\n");
  HttpResponse teapot = get("/status/418");
  EXPECT_EQ(teapot.status, 418);
  EXPECT_EQ(teapot.body, "status 418 from upstream_app\n");
  HttpResponse failed = get("/status/500");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, "status 500 from upstream_app\n");
}

TEST_F(UpstreamServersTest, AServerOnAUnixSocket) {
  TempDir dir;
  UpstreamApp on_socket(dir);
  ASSERT_TRUE(on_socket.start_unix()) << on_socket.output();
  upstream()["servers"] = {on_socket.address()};
  ASSERT_TRUE(start()) << server_.error_log();
  for (int i = 0; i < 3; i++) {
    HttpResponse r = get("/json");
    ASSERT_EQ(r.status, 200) << r.body << server_.error_log();
    EXPECT_EQ(json_of(r).value("pid", 0), on_socket.pid()) << r.body;
  }
  HttpResponse up = http_request(port(), "POST", "/upload", {}, "a body over a unix socket");
  EXPECT_EQ(json_of(up).value("bytes", -1), 25) << up.body;
}

TEST_F(UpstreamServersTest, TheAppLearnsWhoAskedAndHow) {
  ASSERT_TRUE(start()) << server_.error_log();
  HttpResponse r = exchange(port(), "GET /headers HTTP/1.1\r\nHost: example.test:8080\r\nX-Custom: kept\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.body << server_.error_log();
  nlohmann::json seen = json_of(r);
  EXPECT_EQ(seen.value("host", ""), "example.test:8080") << r.body;
  EXPECT_EQ(seen.value("method", ""), "GET");
  EXPECT_EQ(seen.value("X-Custom", ""), "kept") << r.body;
  EXPECT_EQ(seen.value("X-Forwarded-For", ""), "127.0.0.1") << r.body;
  EXPECT_EQ(seen.value("X-Forwarded-Proto", ""), "http") << r.body;
  EXPECT_EQ(seen.value("X-Forwarded-Host", ""), "example.test:8080") << r.body;
  std::string forwarded = squeezed(seen.value("Forwarded", ""));
  EXPECT_NE(forwarded.find("for=127.0.0.1"), std::string::npos) << r.body;
  EXPECT_NE(forwarded.find("host=example.test:8080"), std::string::npos) << r.body;
  EXPECT_NE(forwarded.find("proto=http"), std::string::npos) << r.body;

  // What the client sent: X-Forwarded-For is appended to, Forwarded replaced
  // (a client cannot forge it).
  r = exchange(port(),
               "GET /headers HTTP/1.1\r\nHost: example.test\r\nX-Forwarded-For: 203.0.113.7\r\n"
               "Forwarded: for=198.51.100.9;proto=https\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  seen = json_of(r);
  EXPECT_EQ(squeezed(seen.value("X-Forwarded-For", "")), "203.0.113.7,127.0.0.1") << r.body;
  forwarded = squeezed(seen.value("Forwarded", ""));
  EXPECT_EQ(forwarded.find("198.51.100.9"), std::string::npos) << r.body;
  EXPECT_EQ(forwarded.find("https"), std::string::npos) << r.body;
  EXPECT_NE(forwarded.find("for=127.0.0.1"), std::string::npos) << r.body;
}

TEST_F(UpstreamServersTest, HopByHopRequestHeadersStayWithHearth) {
  ASSERT_TRUE(start()) << server_.error_log();
  HttpResponse r = exchange(port(),
                            "GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\n"
                            "Keep-Alive: 5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nX-End: 2\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.body << server_.error_log();
  nlohmann::json seen = json_of(r);
  EXPECT_EQ(seen.value("X-End", ""), "2") << r.body;
  for (const char* hop : {"X-Hop", "Keep-Alive", "Te", "Proxy-Connection"}) {
    EXPECT_FALSE(seen.contains(hop)) << hop << " reached the app: " << r.body;
  }
  EXPECT_EQ(lower(seen.value("Connection", "")).find("x-hop"), std::string::npos) << r.body;
  EXPECT_FALSE(r.keep_alive) << "the client's Connection: close is for hearth";
}

TEST_F(UpstreamServersTest, HopByHopResponseHeadersStayWithTheApp) {
  ASSERT_TRUE(start()) << server_.error_log();
  HttpResponse r = get("/hop-headers");
  ASSERT_EQ(r.status, 200) << r.body << server_.error_log();
  EXPECT_EQ(r.body, "hop");
  EXPECT_EQ(r.header("x-end-to-end"), "kept");
  EXPECT_FALSE(r.has("x-hop-reply"));
  EXPECT_FALSE(r.has("proxy-connection"));
  EXPECT_EQ(r.header("keep-alive").find("99"), std::string::npos) << r.header("keep-alive");
  EXPECT_EQ(lower(r.header("connection")).find("x-hop-reply"), std::string::npos) << r.header("connection");
  // Server (and Date) are hearth's own, as for a file.
  EXPECT_EQ(r.header("server"), get("/hello.txt").header("server"));
  EXPECT_TRUE(r.keep_alive);
}

TEST_F(UpstreamServersTest, ACompressibleAnswerIsGzippedForAClientThatAcceptsIt) {
  ASSERT_TRUE(start()) << server_.error_log();
  for (const std::string target : {"/text?kb=64", "/text-chunked?kb=512"}) {
    std::string reference = app_.get(target).body;
    ASSERT_EQ(reference.size(), (target == "/text?kb=64" ? 64u : 512u) * 1024) << target;
    HttpResponse r = get(target, {"Accept-Encoding: gzip"});
    ASSERT_EQ(r.status, 200) << target << " " << server_.error_log();
    EXPECT_EQ(r.header("content-encoding"), "gzip") << target;
    EXPECT_NE(lower(r.header("vary")).find("accept-encoding"), std::string::npos) << target;
    std::string plain;
    EXPECT_TRUE(gunzip(r.body, &plain)) << target;
    EXPECT_TRUE(plain == reference) << target << ": " << plain.size() << " bytes after gunzip";
    EXPECT_LT(r.body.size(), reference.size() / 4) << target;
  }
}

TEST_F(UpstreamServersTest, IdentityForAClientThatDoesNotAcceptGzip) {
  ASSERT_TRUE(start()) << server_.error_log();
  for (const std::string target : {"/text?kb=64", "/text-chunked?kb=512"}) {
    std::string reference = app_.get(target).body;
    ASSERT_FALSE(reference.empty());
    HttpResponse r = get(target);
    ASSERT_EQ(r.status, 200) << target << " " << server_.error_log();
    EXPECT_TRUE(r.header("content-encoding").empty() || r.header("content-encoding") == "identity") << target;
    EXPECT_TRUE(r.body == reference) << target << ": " << r.body.size() << " bytes";
  }
}

TEST_F(UpstreamServersTest, TheAppsOwnEncodingPassesUntouched) {
  ASSERT_TRUE(start()) << server_.error_log();
  HttpResponse direct = app_.get("/encoded");
  ASSERT_EQ(direct.header("content-encoding"), "gzip");
  HttpResponse r = get("/encoded", {"Accept-Encoding: gzip"});
  ASSERT_EQ(r.status, 200) << server_.error_log();
  EXPECT_EQ(r.header("content-encoding"), "gzip");
  EXPECT_TRUE(r.body == direct.body) << "the app's gzip bytes were changed: " << r.body.size() << " bytes, the app sent "
                                     << direct.body.size();
  std::string plain;
  EXPECT_TRUE(gunzip(r.body, &plain));
  EXPECT_EQ(plain.rfind("This body was gzipped by the upstream app itself.\n", 0), 0u);
}

TEST_F(UpstreamServersTest, AChunkedDownloadArrivesWhole) {
  ASSERT_TRUE(start()) << server_.error_log();
  Client c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send("GET /download?mb=8&chunked=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r, 20000)) << server_.error_log();
  EXPECT_EQ(r.status, 200);
  DownloadCheck check;
  check.feed(r.body.data(), r.body.size());
  EXPECT_TRUE(check.right(8 * kMiB)) << check.bytes << " bytes, first wrong at " << check.first_wrong;
  EXPECT_TRUE(r.keep_alive);
}

TEST_F(UpstreamServersTest, AChunkedUploadReachesTheAppWhole) {
  ASSERT_TRUE(start()) << server_.error_log();
  std::string body;
  for (int i = 0; i < 3; i++) body += upload_block();
  Client c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const size_t sizes[] = {1, 1000, 65536, 100000, 7, 300000};
  size_t off = 0;
  for (int i = 0; off < body.size() && i < 100000; i++) {
    size_t n = std::min(sizes[i % 6], body.size() - off);
    std::ostringstream chunk;
    chunk << std::hex << n << "\r\n";
    ASSERT_TRUE(c.send(chunk.str() + body.substr(off, n) + "\r\n")) << "at " << off;
    off += n;
  }
  ASSERT_TRUE(c.send("0\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r, 20000)) << server_.error_log();
  ASSERT_EQ(r.status, 200) << r.body << server_.error_log();
  nlohmann::json answer = json_of(r);
  EXPECT_EQ(answer.value("bytes", -1), 3 * static_cast<long>(kMiB)) << r.body;
  EXPECT_EQ(answer.value("sha256", ""), sha256_of_blocks(3)) << r.body;
}

TEST_F(UpstreamServersTest, APostToEchoComesBack) {
  ASSERT_TRUE(start()) << server_.error_log();
  std::string body = upload_block();
  // Sent from one thread while the answer is read on another, as a real
  // client does: the app answers while the body still comes.
  Client c;
  ASSERT_TRUE(c.connect(port(), 10000));
  bool sent = false;
  std::thread sender([&] {
    sent = c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-test\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  HttpResponse r;
  bool answered = c.read_response(&r, 20000);
  sender.join();
  EXPECT_TRUE(sent);
  ASSERT_TRUE(answered) << server_.error_log();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/x-test");
  EXPECT_TRUE(r.body == body) << r.body.size() << " bytes came back of " << body.size();

  // Chunked both ways.
  Client c2;
  ASSERT_TRUE(c2.connect(port(), 10000));
  std::string part = body.substr(0, 300 * 1024);
  std::thread sender2([&] {
    std::ostringstream chunk;
    chunk << std::hex << part.size() << "\r\n";
    sent = c2.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/x-echo\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   chunk.str() + part + "\r\n0\r\n\r\n");
  });
  answered = c2.read_response(&r, 20000);
  sender2.join();
  EXPECT_TRUE(sent);
  ASSERT_TRUE(answered) << server_.error_log();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == part) << r.body.size() << " bytes came back of " << part.size();
}

TEST_F(UpstreamServersTest, A100MiBDownloadToASlowReaderKeepsTheWorkerSmall) {
  ASSERT_TRUE(start()) << server_.error_log();
  pid_t worker = worker_pid();
  ASSERT_GT(worker, 0);
  ASSERT_EQ(get("/json").status, 200) << server_.error_log();  // warm: pool and buffers exist
  long before = resident_kb(worker);
  ASSERT_GT(before, 0);
  Client c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send("GET /download?mb=100 HTTP/1.1\r\nHost: x\r\n\r\n"));
  DownloadCheck check;
  long peak = before;
  size_t next_sample = 0;
  bool paused = false;
  HttpResponse head;
  bool complete = c.read_response_streaming(
      &head,
      [&](const char* data, size_t n) {
        check.feed(data, n);
        if (check.bytes >= next_sample) {
          peak = std::max(peak, resident_kb(worker));
          next_sample += 4 * kMiB;
        }
        if (!paused && check.bytes >= 40 * kMiB) {
          // The reader stops for 1.5 s: the app keeps writing, hearth must not keep reading.
          paused = true;
          for (int i = 0; i < 6; i++) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
            peak = std::max(peak, resident_kb(worker));
          }
        }
      },
      120000);
  peak = std::max(peak, resident_kb(worker));
  ASSERT_TRUE(complete) << check.bytes << " bytes arrived; " << server_.error_log();
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(100 * kMiB));
  EXPECT_TRUE(check.right(100 * kMiB)) << check.bytes << " bytes, first wrong at " << check.first_wrong;
  expect_worker_stayed_small(before, peak);
}

TEST_F(UpstreamServersTest, A100MiBUploadKeepsTheWorkerSmall) {
  upstream()["max_body"] = "200m";
  ASSERT_TRUE(start()) << server_.error_log();
  pid_t worker = worker_pid();
  ASSERT_GT(worker, 0);
  ASSERT_EQ(get("/json").status, 200) << server_.error_log();
  const int kBlocks = 100;
  std::string expected_sha = sha256_of_blocks(kBlocks);
  ASSERT_EQ(expected_sha.size(), 64u) << expected_sha;
  std::string block = upload_block();
  long before = resident_kb(worker);
  ASSERT_GT(before, 0);
  Client c;
  ASSERT_TRUE(c.connect(port(), 10000));
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                     std::to_string(kBlocks * kMiB) + "\r\n\r\n"));
  long peak = before;
  for (int i = 0; i < kBlocks; i++) {
    ASSERT_TRUE(c.send(block)) << "block " << i << "; " << server_.error_log();
    if (i % 5 == 0) peak = std::max(peak, resident_kb(worker));
  }
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r, 60000)) << server_.error_log();
  peak = std::max(peak, resident_kb(worker));
  ASSERT_EQ(r.status, 200) << r.body << server_.error_log();
  nlohmann::json answer = json_of(r);
  EXPECT_EQ(answer.value("bytes", -1), static_cast<long>(kBlocks * kMiB)) << r.body;
  EXPECT_EQ(answer.value("sha256", ""), expected_sha) << r.body;
  expect_worker_stayed_small(before, peak);
}

// max_body, not limits.body_bytes (1 MiB), is the limit for what goes upstream.
TEST_F(UpstreamServersTest, ABodyOverMaxBodyIs413) {
  upstream()["max_body"] = "64k";
  ASSERT_TRUE(start()) << server_.error_log();
  HttpResponse small = http_request(port(), "POST", "/upload", {}, std::string(60 * 1024, 'a'));
  EXPECT_EQ(small.status, 200) << small.body << server_.error_log();
  EXPECT_EQ(json_of(small).value("bytes", -1), 60 * 1024) << small.body;
  Client c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(100 * 1024) + "\r\n\r\n"));
  HttpResponse big;
  ASSERT_TRUE(c.read_response(&big, 5000)) << server_.error_log();
  EXPECT_EQ(big.status, 413) << big.body;
}

TEST_F(UpstreamServersTest, AWebSocketIsTunnelledToTheApp) {
  ASSERT_TRUE(start()) << server_.error_log();
  std::string out;
  EXPECT_EQ(run_websocket_client({"upstream_echo", std::to_string(port())}, &out), 0) << out << server_.error_log();
}

TEST_F(UpstreamServersTest, NoResponseHeadInTimeIs504) {
  upstream()["first_byte_timeout"] = 1;
  ASSERT_TRUE(start()) << server_.error_log();
  auto start = Clock::now();
  HttpResponse r = get("/slow?ms=3000");
  long took = ms_since(start);
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_GE(took, 900);
  EXPECT_LE(took, 2500);
  EXPECT_TRUE(eventually(2000, [&] { return !line_with(server_.error_log(), {app_.address(), "/slow"}).empty(); }))
      << server_.error_log();
  EXPECT_EQ(get("/json").status, 200) << "the app still answers what is quick";
}

TEST_F(UpstreamServersTest, AServerNobodyListensOnIs502) {
  std::string dead = "127.0.0.1:" + std::to_string(free_tcp_port());
  upstream()["servers"] = {dead};
  ASSERT_TRUE(start()) << server_.error_log();
  auto start = Clock::now();
  HttpResponse r = get("/json");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_LT(ms_since(start), 4000);
  std::string line;
  EXPECT_TRUE(eventually(2000, [&] { return !(line = line_with(server_.error_log(), {dead, "/json"})).empty(); }))
      << server_.error_log();
  EXPECT_NE(line.find("connect"), std::string::npos) << line;
}

TEST_F(UpstreamServersTest, ADeadServerIsPassedOver) {
  std::string dead = "127.0.0.1:" + std::to_string(free_tcp_port());
  upstream()["servers"] = {dead, app_.address()};
  ASSERT_TRUE(start()) << server_.error_log();
  int ok = 0;
  for (int i = 0; i < 20; i++) {
    HttpResponse r = get("/json");
    EXPECT_EQ(r.status, 200) << "request " << i << ": " << r.body;
    if (r.status == 200 && json_of(r).value("pid", 0) == app_.pid()) ok++;
  }
  EXPECT_EQ(ok, 20) << server_.error_log();
}

TEST_F(UpstreamServersTest, EarlyHintsReachAnHttp11Client) {
  ASSERT_TRUE(start()) << server_.error_log();
  Client c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send("GET /early-hints HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string all = c.read_until_close(5000);
  ASSERT_EQ(all.rfind("HTTP/1.1 103", 0), 0u) << all;
  size_t end_of_hints = all.find("\r\n\r\n");
  ASSERT_NE(end_of_hints, std::string::npos) << all;
  std::string hints = lower(all.substr(0, end_of_hints));
  EXPECT_NE(hints.find("\r\nlink: </style.css>; rel=preload"), std::string::npos) << all;
  std::string rest = all.substr(end_of_hints + 4);
  EXPECT_EQ(rest.rfind("HTTP/1.1 200", 0), 0u) << all;
  EXPECT_GE(rest.size(), 11u);
  EXPECT_EQ(rest.substr(rest.size() >= 11 ? rest.size() - 11 : 0), "after hints") << all;
}

// ================================================= upstream.command: instances hearth runs

struct Instance {
  int slot = 0;
  pid_t pid = 0;
  std::string state, address;
  int restarts = 0;
};

class SupervisedUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(binaries_built(&why)) << why;
    server_.set_binary(hearthd_binary());
    use_supervisor_config(server_, 2);
    server_.config()["upstream"] = {{"command", {upstream_app_binary(), "-addr", "127.0.0.1:{port}"}},
                                    {"instances", 2},
                                    {"ready", "/health"},
                                    {"drain_timeout", 5},
                                    {"stop_timeout", 3}};
  }

  // hearth stops its instances (TERM); whatever it left is killed here, by
  // the pids /status showed.
  void TearDown() override {
    if (server_.running()) {
      for (pid_t p : children_of(server_.pid())) seen_.insert(p);
      server_.stop(SIGTERM, 15000);
    }
    for (pid_t p : seen_) {
      if (process_exists(p)) kill(p, SIGKILL);
    }
  }

  // The instances /status lists now (empty when it fails).
  std::vector<Instance> instances() {
    std::vector<Instance> out;
    nlohmann::json status = fetch_status(server_.port());
    if (!status.is_object() || !status.contains("app_instances")) return out;
    for (const auto& e : status["app_instances"]) {
      Instance i;
      i.slot = e.value("slot", 0);
      i.pid = e.value("pid", 0);
      i.state = e.value("state", "");
      i.address = e.value("address", "");
      i.restarts = e.value("restarts", -1);
      if (i.pid > 0) seen_.insert(i.pid);
      out.push_back(i);
    }
    return out;
  }

  // slot -> the ready instance of it, when every entry is ready and there is
  // one per slot (no restart under way).
  std::map<int, Instance> settled() {
    std::map<int, Instance> by_slot;
    for (const Instance& i : instances()) {
      if (i.state != "ready" || by_slot.count(i.slot)) return {};
      by_slot[i.slot] = i;
    }
    return by_slot;
  }

  // Starts hearth and waits until 2 workers and 2 ready instances are up.
  std::map<int, Instance> start() {
    std::map<int, Instance> ready;
    if (!server_.start({}, 30000)) return ready;
    if (wait_for_workers(server_.port(), 2).size() != 2) return ready;
    eventually(30000, [&] { return (ready = settled()).size() == 2; });
    return ready;
  }

  static std::set<pid_t> pids_of(const std::map<int, Instance>& by_slot) {
    std::set<pid_t> out;
    for (const auto& [slot, i] : by_slot) out.insert(i.pid);
    return out;
  }

  static LoadGenerator::Check hello_check() {
    return [](const HttpResponse& r) { return r.status == 200 && r.body.find("Hello, World!") != std::string::npos; };
  }

  ServerProcess server_;
  std::set<pid_t> seen_;
};

TEST_F(SupervisedUpstreamTest, TwoInstancesAnswerAndAreListedInStatus) {
  std::map<int, Instance> ready = start();
  ASSERT_EQ(ready.size(), 2u) << server_.error_log();
  std::set<pid_t> pids = pids_of(ready);
  ASSERT_EQ(pids.size(), 2u);
  std::vector<int> workers = status_pids(fetch_status(server_.port()));
  for (const auto& [slot, i] : ready) {
    EXPECT_TRUE(slot == 1 || slot == 2) << slot;
    EXPECT_EQ(i.address.rfind("127.0.0.1:", 0), 0u) << i.address;
    EXPECT_EQ(i.restarts, 0);
    EXPECT_TRUE(process_exists(i.pid));
    EXPECT_EQ(std::count(workers.begin(), workers.end(), i.pid), 0) << "an instance is not a worker";
  }
  std::set<pid_t> answered;
  for (int i = 0; i < 20; i++) {
    HttpResponse r = http_get(server_.port(), "/json", {"Connection: close"});
    ASSERT_EQ(r.status, 200) << r.body << server_.error_log();
    answered.insert(json_of(r).value("pid", 0));
  }
  EXPECT_EQ(answered, pids) << "20 requests should reach both instances";
  // The instances' stderr goes to the error log (upstream.output "error_log").
  for (pid_t p : pids) {
    EXPECT_TRUE(server_.wait_for_log("upstream_app: pid " + std::to_string(p) + " serving HTTP at 127.0.0.1:", 2000))
        << server_.error_log();
  }
}

TEST_F(SupervisedUpstreamTest, APanicCostsOnlyTheRequestThatCausedIt) {
  std::map<int, Instance> before = start();
  ASSERT_EQ(before.size(), 2u) << server_.error_log();
  auto began = Clock::now();
  LoadGenerator load(server_.port(), "/json", 8, hello_check(), false, LoadGenerator::Connections::kKeepAlive);
  ASSERT_TRUE(eventually(5000, [&] { return load.done() > 50; })) << server_.error_log();

  HttpResponse panic = http_request(server_.port(), "POST", "/panic", {"Content-Length: 0"});
  EXPECT_EQ(panic.status, 502) << panic.body;

  // The slot comes back with a new process; the other one is untouched.
  int victim_slot = 0;
  std::map<int, Instance> after;
  bool back = eventually(3000, [&] {
    after = settled();
    if (after.size() != 2) return false;
    victim_slot = 0;
    for (const auto& [slot, i] : after) {
      if (i.pid != before[slot].pid) victim_slot = slot;
    }
    return victim_slot != 0;
  });
  EXPECT_TRUE(back) << server_.error_log();
  // The load goes on for 3 s at least, across the death and the restart.
  while (ms_since(began) < 3000) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  LoadResult result = load.stop();
  EXPECT_EQ(result.failed, 0) << (result.failures.empty() ? "" : result.failures[0]) << server_.error_log();
  EXPECT_GT(result.ok, 100);
  ASSERT_TRUE(back);

  pid_t dead = before[victim_slot].pid;
  EXPECT_FALSE(process_exists(dead));
  EXPECT_EQ(after[victim_slot].restarts, 1);
  EXPECT_EQ(before.count(3 - victim_slot), 1u);
  EXPECT_EQ(after[3 - victim_slot].pid, before[3 - victim_slot].pid);
  EXPECT_EQ(after[3 - victim_slot].restarts, 0);
  std::string line;
  EXPECT_TRUE(eventually(2000, [&] {
    return !(line = line_with(server_.error_log(), {"app instance", std::to_string(dead), "exited"})).empty();
  })) << server_.error_log();
  EXPECT_NE(line.find("exited with code 2"), std::string::npos) << line;
  // Go prints the panic's message first, then the stack: the line must keep
  // the message (docs/UPSTREAM.md: "last stderr: panic: boom ...").
  EXPECT_NE(line.find("panic: upstream_app: /panic asked for it"), std::string::npos) << line;
  EXPECT_EQ(json_of(http_get(server_.port(), "/json")).value("message", ""), "Hello, World!");
}

TEST_F(SupervisedUpstreamTest, AReloadRollsTheInstancesWithoutAFailedRequest) {
  std::map<int, Instance> before = start();
  ASSERT_EQ(before.size(), 2u) << server_.error_log();
  std::set<pid_t> old_pids = pids_of(before);
  auto began = Clock::now();
  LoadGenerator load(server_.port(), "/json", 8, hello_check(), false, LoadGenerator::Connections::kKeepAlive);
  ASSERT_TRUE(eventually(5000, [&] { return load.done() > 50; })) << server_.error_log();
  while (ms_since(began) < 1500) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(kill(server_.pid(), SIGHUP), 0);

  std::map<int, Instance> after;
  bool rolled = eventually(30000, [&] {
    after = settled();
    if (after.size() != 2) return false;
    for (const auto& [slot, i] : after) {
      if (old_pids.count(i.pid)) return false;
    }
    return true;
  });
  while (ms_since(began) < 4000) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  LoadResult result = load.stop();
  EXPECT_TRUE(rolled) << server_.error_log();
  EXPECT_EQ(result.failed, 0) << (result.failures.empty() ? "" : result.failures[0]) << server_.error_log();
  EXPECT_GT(result.ok, 100);
  for (const auto& [slot, i] : after) EXPECT_EQ(i.restarts, 0) << "a rolled instance did not die";
  // The old ones drained and were stopped.
  EXPECT_TRUE(eventually(10000, [&] {
    for (pid_t p : old_pids) {
      if (process_exists(p)) return false;
    }
    return true;
  })) << server_.error_log();
  EXPECT_EQ(http_get(server_.port(), "/json").status, 200);
}

TEST_F(SupervisedUpstreamTest, AStopTakesTheInstancesDownToo) {
  std::map<int, Instance> ready = start();
  ASSERT_EQ(ready.size(), 2u) << server_.error_log();
  std::set<pid_t> pids = pids_of(ready);
  ASSERT_EQ(kill(server_.pid(), SIGTERM), 0);
  // Not server_.stop(): that kills the master's process group afterwards,
  // which would hide instances hearth left behind.
  ASSERT_TRUE(eventually(20000, [&] { return !server_.running(); })) << server_.error_log();
  EXPECT_TRUE(eventually(3000, [&] {  // upstream.stop_timeout
    for (pid_t p : pids) {
      if (process_exists(p)) return false;
    }
    return true;
  })) << "instances outlived the master; " << server_.error_log();
}

}  // namespace
}  // namespace hearth::test
