// Deferred replies (<hearth/reply.h>), timers and offload through a real
// server: the demo's /demo/wait and /demo/work on one worker, and every way
// a deferred reply can end on the routes of tests/process/test_app.
// Concurrency and order are asserted, not times.
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/http_client.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string get_request(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"; }

// True when a response byte is waiting on `c` (it has been answered).
bool has_answer(Client& c) {
  char byte;
  return ::recv(c.fd(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

// Sends `target` on `count` connections at once; none is read yet.
std::vector<std::unique_ptr<Client>> send_on_many(int port, const std::string& target, int count) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < count; i++) {
    auto c = std::make_unique<Client>();
    if (!c->connect(port) || !c->send(get_request(target))) return {};
    clients.push_back(std::move(c));
  }
  return clients;
}

// --- the demo app: one worker, waits and blocking work ------------------------

class DemoAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.config()["workers"] = 1;
    server_.config()["app"] = {{"threads", 4}};
    server_.dir().write("root/hello.txt", "hello\n");
    ASSERT_TRUE(server_.start()) << server_.error_log();
  }
  ServerProcess server_;
};

TEST_F(DemoAsyncTest, FiftyWaitsOnOneWorkerRunTogetherAndAFileDoesNotQueueBehindThem) {
  auto start = Clock::now();
  auto waits = send_on_many(server_.port(), "/demo/wait?ms=800", 50);
  ASSERT_EQ(waits.size(), 50u);
  HttpResponse file = http_get(server_.port(), "/hello.txt");
  EXPECT_EQ(file.body, "hello\n");
  int answered_before_the_file = 0;
  for (auto& c : waits) answered_before_the_file += has_answer(*c) ? 1 : 0;
  EXPECT_EQ(answered_before_the_file, 0) << "the file waited behind timers";
  for (auto& c : waits) {
    HttpResponse r;
    ASSERT_TRUE(c->read_response(&r, 10000));
    EXPECT_EQ(r.body, "{\"waited_ms\":800}\n");
  }
  // One after another they would take 40 s; together, one wait and change.
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));
}

TEST_F(DemoAsyncTest, BlockingWorkRunsOnThePoolWhileTheLoopServes) {
  auto start = Clock::now();
  auto jobs = send_on_many(server_.port(), "/demo/work?ms=600", 8);
  ASSERT_EQ(jobs.size(), 8u);
  EXPECT_EQ(http_get(server_.port(), "/hello.txt").body, "hello\n");
  int answered_before_the_file = 0;
  for (auto& c : jobs) answered_before_the_file += has_answer(*c) ? 1 : 0;
  EXPECT_EQ(answered_before_the_file, 0) << "the file waited behind blocking work";
  for (auto& c : jobs) {
    HttpResponse r;
    ASSERT_TRUE(c->read_response(&r, 15000));
    EXPECT_EQ(r.body, "{\"worked_ms\":600}\n");
  }
  // 8 jobs of 0.6 s on 4 threads: two rounds; one thread would need 4.8 s.
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(4800));
  // The heartbeat went on meanwhile: the worker is the one that started.
  EXPECT_EQ(server_.error_log().find("killed"), std::string::npos) << server_.error_log();
}

// The worker's resident memory, kB (its VmRSS).
long worker_rss_kb(pid_t master) {
  std::vector<pid_t> workers = children_of(master);
  if (workers.empty()) return -1;
  std::string status = read_file("/proc/" + std::to_string(workers[0]) + "/status");
  size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

TEST_F(DemoAsyncTest, A200MiBUploadStreamsToDiskWithFlatMemory) {
  constexpr size_t kBlock = 1 << 20, kBlocks = 200;
  std::string block(kBlock, '\0');
  for (size_t i = 0; i < kBlock; i++) block[i] = static_cast<char>(i % 251);
  std::string expected_sha;
  ASSERT_EQ(run_command("/usr/bin/python3 -c \"import hashlib; b = bytes(i % 251 for i in range(1 << 20)); "
                        "h = hashlib.sha256(); [h.update(b) for _ in range(200)]; print(h.hexdigest())\"",
                        &expected_sha),
            0);
  expected_sha.resize(64);
  long before = worker_rss_kb(server_.pid());
  ASSERT_GT(before, 0);
  Client c;
  ASSERT_TRUE(c.connect(server_.port()));
  ASSERT_TRUE(c.send("POST /demo/upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBlock * kBlocks) +
                     "\r\n\r\n"));
  long peak = before;
  for (size_t i = 0; i < kBlocks; i++) {
    ASSERT_TRUE(c.send(block)) << "block " << i;
    if (i % 20 == 0) peak = std::max(peak, worker_rss_kb(server_.pid()));
  }
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r, 30000));
  EXPECT_EQ(r.status, 200) << r.body;
  nlohmann::json answer = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_EQ(answer["bytes"], kBlock * kBlocks);
  EXPECT_EQ(answer["sha256"], expected_sha);
  peak = std::max(peak, worker_rss_kb(server_.pid()));
  EXPECT_LT(peak - before, 32 * 1024) << "RSS grew from " << before << " to " << peak << " kB";
}

TEST_F(DemoAsyncTest, ABadWaitIsA400) {
  EXPECT_EQ(http_get(server_.port(), "/demo/wait?ms=abc").status, 400);
  EXPECT_EQ(http_get(server_.port(), "/demo/work?ms=-1").status, 400);
}

// --- every ending of a deferred reply (tests/process/test_app) -----------------

class ReplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string app = std::filesystem::path(hearth_binary()).parent_path().string() + "/tests/test_app_v1";
    ASSERT_TRUE(std::filesystem::exists(app)) << app << " is built by `make test`";
    server_.set_binary(app);
    server_.config()["workers"] = 1;
    server_.config()["app"] = {{"reply_timeout", 0.4}};
    server_.config()["supervisor"] = {{"shutdown_timeout", 1}};
    server_.dir().write("root/index.html", "index\n");
  }
  void start() { ASSERT_TRUE(server_.start()) << server_.error_log(); }
  HttpResponse get(const std::string& target, const std::vector<std::string>& headers = {}) {
    return http_get(server_.port(), target, headers);
  }
  int aborted() { return nlohmann::json::parse(get("/reply/aborted").body)["aborted"]; }
  ServerProcess server_;
};

TEST_F(ReplyTest, SentInsideTheHandlerIsAnsweredAsUsual) {
  start();
  HttpResponse r = get("/reply/now");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "sent in the handler");
  EXPECT_TRUE(r.keep_alive);
}

TEST_F(ReplyTest, PipelinedAnswersLeaveInRequestOrder) {
  start();
  Client c;
  ASSERT_TRUE(c.connect(server_.port()));
  ASSERT_TRUE(c.send(get_request("/reply/later?ms=300&tag=a") + get_request("/version") +
                     get_request("/reply/later?ms=10&tag=b") + get_request("/index.html")));
  const char* expected[] = {"later a", "v1", "later b", "index\n"};
  for (const char* body : expected) {
    HttpResponse r;
    ASSERT_TRUE(c.read_response(&r, 5000)) << body;
    EXPECT_EQ(r.body, body);
  }
}

TEST_F(ReplyTest, AnOpenReplyHoldsBackOnlyItsOwnConnection) {
  start();
  Client slow;
  ASSERT_TRUE(slow.connect(server_.port()));
  ASSERT_TRUE(slow.send(get_request("/reply/later?ms=250&tag=slow")));
  for (int i = 0; i < 3; i++) EXPECT_EQ(get("/version").body, "v1");
  EXPECT_FALSE(has_answer(slow));
  HttpResponse r;
  ASSERT_TRUE(slow.read_response(&r, 5000));
  EXPECT_EQ(r.body, "later slow");
}

TEST_F(ReplyTest, AReplyPastItsDeadlineIs504AndClosesTheConnection) {
  start();
  int before = aborted();
  HttpResponse by_config = get("/reply/never");
  EXPECT_EQ(by_config.status, 504);
  EXPECT_FALSE(by_config.keep_alive);
  EXPECT_TRUE(server_.wait_for_log("GET /reply/never: no reply after 400 ms; answered 504", 2000)) << server_.error_log();
  HttpResponse by_route = get("/reply/never?deadline_ms=150", {"Accept: application/json"});
  EXPECT_EQ(by_route.status, 504);
  EXPECT_NE(by_route.body.find("\"status\":504"), std::string::npos) << by_route.body;
  EXPECT_TRUE(server_.wait_for_log("no reply after 150 ms", 2000));
  EXPECT_EQ(aborted(), before + 2) << "on_abort ran for each";
}

TEST_F(ReplyTest, AReplyDroppedUnansweredIs500AndTheConnectionGoesOn) {
  start();
  Client c;
  ASSERT_TRUE(c.connect(server_.port()));
  ASSERT_TRUE(c.send(get_request("/reply/drop") + get_request("/version")));
  HttpResponse dropped, next;
  ASSERT_TRUE(c.read_response(&dropped));
  EXPECT_EQ(dropped.status, 500);
  ASSERT_TRUE(c.read_response(&next));
  EXPECT_EQ(next.body, "v1");
  EXPECT_TRUE(server_.wait_for_log("GET /reply/drop: its Reply was dropped without an answer; answered 500", 2000));
}

TEST_F(ReplyTest, AnExceptionInALaterCallbackAnswersItsRequest) {
  start();
  EXPECT_EQ(get("/reply/throw-later").status, 500);
  EXPECT_TRUE(server_.wait_for_log("timer callback threw: late failure", 2000)) << server_.error_log();
  HttpResponse conflict = get("/reply/http-error-later", {"Accept: application/json"});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_NE(conflict.body.find("\"message\":\"taken\""), std::string::npos) << conflict.body;
  // What offloaded work throws reaches `done`.
  EXPECT_EQ(get("/reply/offload-throws").body, "{\"ok\":false}\n");
  EXPECT_EQ(get("/version").body, "v1");
}

TEST_F(ReplyTest, AClientThatLeavesAbortsItsReply) {
  server_.config()["app"]["reply_timeout"] = 30;
  start();
  int before = aborted();
  for (int i = 0; i < 20; i++) {
    Client c;
    ASSERT_TRUE(c.connect(server_.port()));
    ASSERT_TRUE(c.send(get_request("/reply/never")));
    c.close();
  }
  EXPECT_TRUE(eventually(3000, [&] { return aborted() == before + 20; })) << aborted();
}

TEST_F(ReplyTest, AStreamReachesASlowReaderWhole) {
  start();
  Client c;
  ASSERT_TRUE(c.connect(server_.port(), 3000, 4096));
  ASSERT_TRUE(c.send(get_request("/reply/stream?n=100&size=65536")));
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r, 30000));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.body.size(), 100u * 65536);
  EXPECT_EQ(r.body.find_first_not_of('x'), std::string::npos);
  ASSERT_TRUE(c.send(get_request("/version")));
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.body, "v1") << "the connection goes on after the stream";
}

TEST_F(ReplyTest, ServerSentEvents) {
  start();
  HttpResponse r = get("/reply/events");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  std::string expected;
  for (int i = 1; i <= 3; i++) {
    expected += "event: tick\nid: " + std::to_string(i) + "\ndata: tick " + std::to_string(i) + "\ndata: line two\n\n";
  }
  EXPECT_EQ(r.body, expected);
}

TEST_F(ReplyTest, AGracefulStopWaitsForOpenRepliesThenAnswers503) {
  start();
  Client finishing, stuck;
  ASSERT_TRUE(finishing.connect(server_.port()));
  ASSERT_TRUE(stuck.connect(server_.port()));
  ASSERT_TRUE(finishing.send(get_request("/reply/later?ms=300&tag=in-time")));
  ASSERT_TRUE(stuck.send(get_request("/reply/never?deadline_ms=20000")));
  ASSERT_TRUE(server_.wait_for_log("ready", 5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // both requests read by the worker
  kill(server_.pid(), SIGTERM);
  HttpResponse r;
  ASSERT_TRUE(finishing.read_response(&r, 5000));
  EXPECT_EQ(r.body, "later in-time");
  EXPECT_FALSE(r.keep_alive) << "answered while draining";
  ASSERT_TRUE(stuck.read_response(&r, 5000));
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(server_.wait_for_log("no reply before the shutdown deadline; answered 503", 5000)) << server_.error_log();
}

TEST_F(ReplyTest, AStreamedBodyArrivesPieceByPiece) {
  start();
  Client c;
  ASSERT_TRUE(c.connect(server_.port()));
  ASSERT_TRUE(c.send("POST /upload/count HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n"));
  for (int i = 0; i < 3; i++) {
    ASSERT_TRUE(c.send(std::string(100000, 'u')));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r));
  nlohmann::json answer = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_EQ(answer["bytes"], 300000);
  EXPECT_GE(answer["pieces"], 3);
  // Chunked, and a body whole in one read, reach the same route.
  ASSERT_TRUE(c.send("POST /upload/count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(nlohmann::json::parse(r.body, nullptr, false)["bytes"], 11);
  ASSERT_TRUE(c.send(get_request("/version")));
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.body, "v1");
}

TEST_F(ReplyTest, ContinueIsSentOnlyWhenTheRouteTakesTheBody) {
  start();
  Client refused;
  ASSERT_TRUE(refused.connect(server_.port()));
  ASSERT_TRUE(refused.send("POST /upload/count HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                           "Expect: 100-continue\r\nX-Refuse: 1\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(refused.read_response(&r));
  EXPECT_EQ(r.status, 403) << "a final answer instead of 100 Continue";
  EXPECT_TRUE(refused.closed_by_server(3000)) << "the unread body ends the connection";

  Client accepted;
  ASSERT_TRUE(accepted.connect(server_.port()));
  ASSERT_TRUE(accepted.send("POST /upload/count HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                            "Expect: 100-continue\r\n\r\n"));
  std::string interim;
  char buf[64];
  for (int i = 0; i < 50 && interim.find("\r\n\r\n") == std::string::npos; i++) {
    ssize_t n = ::recv(accepted.fd(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) interim.append(buf, static_cast<size_t>(n));
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(accepted.send("0123456789"));
  ASSERT_TRUE(accepted.read_response(&r));
  EXPECT_EQ(nlohmann::json::parse(r.body, nullptr, false)["bytes"], 10);
}

TEST_F(ReplyTest, AStreamedBodyOverItsRouteLimitIs413) {
  start();
  int before = aborted();
  EXPECT_EQ(http_request(server_.port(), "POST", "/upload/count", {"Content-Length: 2000000"}, "").status, 413);
  Client c;
  ASSERT_TRUE(c.connect(server_.port()));
  ASSERT_TRUE(c.send("POST /upload/count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::string chunk = "100000\r\n" + std::string(0x100000, 'c') + "\r\n";
  c.send(chunk + chunk);
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(eventually(2000, [&] { return aborted() == before + 1; })) << "the cut reply was aborted";
}

TEST_F(ReplyTest, AClientThatLeavesMidUploadAbortsIt) {
  start();
  int before = aborted();
  Client c;
  ASSERT_TRUE(c.connect(server_.port()));
  ASSERT_TRUE(c.send("POST /upload/count HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                     std::string(5000, 'p')));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.close();
  EXPECT_TRUE(eventually(3000, [&] { return aborted() == before + 1; })) << aborted();
  EXPECT_EQ(get("/version").body, "v1");
}

TEST_F(ReplyTest, CoroutineHandlersAwaitTimersAndOffloadedWork) {
  start();
  Client c;
  ASSERT_TRUE(c.connect(server_.port()));
  ASSERT_TRUE(c.send(get_request("/co/wait?ms=200") + get_request("/co/sync")));
  for (int i = 0; i < 3; i++) EXPECT_EQ(get("/version").body, "v1") << "the loop serves while coroutines wait";
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.body, "{\"answer\":42,\"path\":\"/co/wait\"}\n");
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.body, "no wait");
  HttpResponse thrown = get("/co/throw", {"Accept: application/json"});
  EXPECT_EQ(thrown.status, 422);
  EXPECT_NE(thrown.body.find("bad after a wait"), std::string::npos) << thrown.body;
  EXPECT_EQ(get("/co/offload-throws").body, "caught work failed");
  EXPECT_EQ(get("/co/never").status, 504);
}

TEST_F(ReplyTest, AStopDestroysCoroutinesStillWaiting) {
  server_.config()["app"]["reply_timeout"] = 30;
  start();
  Client waiting;
  ASSERT_TRUE(waiting.connect(server_.port()));
  ASSERT_TRUE(waiting.send(get_request("/co/never")));
  ASSERT_TRUE(server_.wait_for_log("ready", 5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(server_.stop(SIGTERM), 0) << server_.error_log();
  HttpResponse r;
  ASSERT_TRUE(waiting.read_response(&r, 5000));
  EXPECT_EQ(r.status, 503);
}

}  // namespace
}  // namespace hearth::test
