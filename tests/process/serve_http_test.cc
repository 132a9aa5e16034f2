// The HTTP/1.1 engine over real sockets: keep-alive, pipelining, bodies,
// limits, timeouts and bad input. Every bad client is followed by a good one.
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/process/serve_fixture.h"

namespace hearth::test {
namespace {

class HttpEngineTest : public ServeTest {
 protected:
  void customize(nlohmann::json& config) override {
    config["limits"] = {{"header_timeout", 0.5}, {"body_timeout", 0.5}, {"keepalive_timeout", 0.7},
                        {"body_bytes", 1000},    {"request_line_bytes", 500}, {"header_bytes", 2000},
                        {"max_connections", 20}};
    config["drills"] = true;
  }

  // Sends raw bytes on a new connection and returns the first response.
  HttpResponse raw(const std::string& bytes, Client* keep = nullptr) {
    Client local;
    Client& c = keep != nullptr ? *keep : local;
    HttpResponse r;
    if (!c.connect(port_) || !c.send(bytes)) return r;
    c.read_response(&r);
    return r;
  }

  void expect_still_serving() { EXPECT_EQ(get("/hello.txt").body, "hello world\n"); }
};

TEST_F(HttpEngineTest, KeepAliveServesManyRequestsOnOneConnection) {
  Client c;
  ASSERT_TRUE(c.connect(port_));
  for (int i = 0; i < 20; i++) {
    ASSERT_TRUE(c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    HttpResponse r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.body, "hello world\n");
    EXPECT_TRUE(r.keep_alive);
  }
}

TEST_F(HttpEngineTest, PipelinedResponsesComeInRequestOrder) {
  Client c;
  ASSERT_TRUE(c.connect(port_));
  std::string batch;
  const char* targets[] = {"/hello.txt", "/json", "/docs/", "/missing", "/hello.txt"};
  for (const char* t : targets) batch += std::string("GET ") + t + " HTTP/1.1\r\nHost: x\r\n\r\n";
  batch += "HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.send(batch));
  int expected[] = {200, 200, 200, 404, 200};
  for (int i = 0; i < 5; i++) {
    HttpResponse r;
    ASSERT_TRUE(c.read_response(&r)) << i;
    EXPECT_EQ(r.status, expected[i]) << targets[i];
  }
  HttpResponse head;
  ASSERT_TRUE(c.read_response(&head, 5000, true));
  EXPECT_EQ(head.header("content-length"), std::to_string(big_body().size()));
  HttpResponse last;
  ASSERT_TRUE(c.read_response(&last));
  EXPECT_EQ(last.body, "hello world\n");
}

TEST_F(HttpEngineTest, PipelinedLargeFilesStayInOrder) {
  Client c;
  ASSERT_TRUE(c.connect(port_));
  ASSERT_TRUE(c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse a, b, d;
  ASSERT_TRUE(c.read_response(&a, 20000));
  ASSERT_TRUE(c.read_response(&b));
  ASSERT_TRUE(c.read_response(&d, 20000));
  EXPECT_TRUE(a.body == big_body());
  EXPECT_EQ(b.body, "hello world\n");
  EXPECT_TRUE(d.body == big_body());
}

TEST_F(HttpEngineTest, Http10AndConnectionClose) {
  Client c;
  HttpResponse r = raw("GET /hello.txt HTTP/1.0\r\n\r\n", &c);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(c.closed_by_server(2000));
  Client k;
  r = raw("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &k);
  EXPECT_EQ(r.header("connection"), "keep-alive");
  EXPECT_FALSE(k.closed_by_server(200));
  Client z;
  r = raw("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &z);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(z.closed_by_server(2000));
}

TEST_F(HttpEngineTest, BodiesReachHandlers) {
  HttpResponse r = raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "hello");
  r = raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "abcde");
}

TEST_F(HttpEngineTest, ExpectContinue) {
  Client c;
  ASSERT_TRUE(c.connect(port_));
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  std::string interim;
  for (int i = 0; i < 50 && interim.find("\r\n\r\n") == std::string::npos; i++) {
    char buf[256];
    ssize_t n = recv(c.fd(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) interim.append(buf, n);
    usleep(20000);
  }
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.send("data"));
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "data");
}

TEST_F(HttpEngineTest, BadRequestsGetTheRightStatusAndClose) {
  struct Case {
    std::string bytes;
    int status;
  } cases[] = {
      {"GET / HTTP/1.1\r\n\r\n", 400},                                                         // no Host
      {"GARBAGE\r\n\r\n", 400},                                                                // malformed
      {"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501},                                          // unknown method
      {"GET /" + std::string(600, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},                 // long line
      {"GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(3000, 'b') + "\r\n\r\n", 431},         // big headers
      {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413},                 // big body
      {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505},
  };
  for (const Case& k : cases) {
    Client c;
    HttpResponse r = raw(k.bytes, &c);
    EXPECT_EQ(r.status, k.status) << k.bytes.substr(0, 40);
    EXPECT_TRUE(c.closed_by_server(3000)) << k.bytes.substr(0, 40);
  }
  expect_still_serving();
}

TEST_F(HttpEngineTest, ChunkedBodyOverLimitIs413) {
  std::string chunk(600, 'x');
  char size[16];
  snprintf(size, sizeof size, "%zx", chunk.size());
  std::string body = std::string(size) + "\r\n" + chunk + "\r\n" + size + "\r\n" + chunk + "\r\n0\r\n\r\n";
  HttpResponse r = raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
  EXPECT_EQ(r.status, 413);
  expect_still_serving();
}

TEST_F(HttpEngineTest, SlowlorisGets408) {
  Client c;
  ASSERT_TRUE(c.connect(port_));
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: x\r\n"));
  HttpResponse r;
  for (int i = 0; i < 3; i++) {  // keep dribbling header bytes: no help
    usleep(150 * 1000);
    c.send("X-A: b\r\n");
  }
  ASSERT_TRUE(c.read_response(&r, 3000));
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(c.closed_by_server(3000));
  expect_still_serving();
}

TEST_F(HttpEngineTest, StalledBodyGets408) {
  Client c;
  ASSERT_TRUE(c.connect(port_));
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r, 3000));
  EXPECT_EQ(r.status, 408);
}

TEST_F(HttpEngineTest, IdleKeepAliveIsClosedAfterItsTimeout) {
  Client c;
  HttpResponse r = raw("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", &c);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(c.closed_by_server(300));
  EXPECT_TRUE(c.closed_by_server(3000));
}

TEST_F(HttpEngineTest, OverMaxConnectionsWaitsInsteadOfFailing) {
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 25; i++) {  // the limit is 20
    idle.push_back(std::make_unique<Client>());
    ASSERT_TRUE(idle.back()->connect(port_));
  }
  // The 21st..25th wait in the backlog; they are served as others close.
  ASSERT_TRUE(idle[24]->send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 10; i++) idle[i]->close();
  HttpResponse r;
  ASSERT_TRUE(idle[24]->read_response(&r, 5000));
  EXPECT_EQ(r.status, 200);
}

TEST_F(HttpEngineTest, NotFoundIsHtmlOrJson) {
  HttpResponse html = get("/nothing-here", {"Accept: text/html,application/xhtml+xml"});
  EXPECT_EQ(html.status, 404);
  EXPECT_NE(html.header("content-type").find("text/html"), std::string::npos);
  HttpResponse json = get("/nothing-here", {"Accept: application/json"});
  EXPECT_EQ(json.status, 404);
  EXPECT_EQ(nlohmann::json::parse(json.body)["status"], 404);
}

TEST_F(HttpEngineTest, JsonRoute) {
  HttpResponse r = get("/json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_TRUE(j.contains("message"));
  EXPECT_TRUE(j["pid"].is_number());
  EXPECT_TRUE(j.contains("worker"));
  EXPECT_TRUE(j.contains("time"));
  EXPECT_EQ(get("/hello/ada").body, "{\"hello\":\"ada\"}\n");
  EXPECT_EQ(http_request(port_, "DELETE", "/json").status, 405);
}

// TechEmpower's plaintext and JSON bodies (the benchmark's smallest routes).
TEST_F(HttpEngineTest, PlaintextAndPlainJsonRoutes) {
  HttpResponse text = get("/plaintext");
  EXPECT_EQ(text.status, 200);
  EXPECT_EQ(text.body, "Hello, World!");
  EXPECT_EQ(text.header("content-type").rfind("text/plain", 0), 0u);
  HttpResponse json = get("/json/plain");
  EXPECT_EQ(json.header("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(json.body), nlohmann::json({{"message", "Hello, World!"}}));
}

TEST_F(HttpEngineTest, ThrowingHandlerCostsOneRequest) {
  Client c;
  ASSERT_TRUE(c.connect(port_));
  ASSERT_TRUE(c.send("GET /debug/throw HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.status, 500);
  std::string pid_before = nlohmann::json::parse(get("/json").body)["pid"].dump();
  ASSERT_TRUE(c.send("GET /json HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["pid"].dump(), pid_before);
  EXPECT_TRUE(server_->wait_for_log("threw", 2000));
}

TEST_F(HttpEngineTest, GarbageFloodDoesNotDisturbOthers) {
  std::thread noise([&] {
    for (int i = 0; i < 30; i++) {
      Client c;
      if (!c.connect(port_)) continue;
      std::string junk(200 + i * 37, static_cast<char>(i * 11 + 1));
      c.send(junk);
      c.read_until_close(500);
    }
  });
  for (int i = 0; i < 30; i++) expect_still_serving();
  noise.join();
  expect_still_serving();
}

}  // namespace
}  // namespace hearth::test
