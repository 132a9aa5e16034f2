// What RFC 9112/9110 says a server must refuse, sent as raw bytes to the
// real binary: each refusal gets its status and a closed connection, and
// the server goes on serving. Statuses must not depend on how the bytes
// were split across TCP segments.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/process/serve_fixture.h"

namespace hearth::test {
namespace {

class HttpStrictTest : public ServeTest {
 protected:
  void customize(nlohmann::json& config) override {
    config["limits"] = {{"header_timeout", 2.0}, {"keepalive_timeout", 2.0}};
  }

  // Sends `pieces` one by one on a fresh connection, each in its own
  // segment when `pause_us` > 0, and reads the first response.
  HttpResponse send_pieces(Client* c, const std::vector<std::string>& pieces, int pause_us = 0) {
    HttpResponse r;
    if (!c->connect(port_)) return r;
    int one = 1;
    setsockopt(c->fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (const std::string& piece : pieces) {
      if (!c->send(piece)) return r;
      if (pause_us > 0) usleep(pause_us);
    }
    c->read_response(&r);
    return r;
  }

  HttpResponse send_raw(Client* c, const std::string& bytes) { return send_pieces(c, {bytes}); }

  // The request is answered with `status` and the connection closed.
  void expect_refused(const std::string& bytes, int status) {
    Client c;
    HttpResponse r = send_raw(&c, bytes);
    EXPECT_EQ(r.status, status) << printable(bytes);
    EXPECT_TRUE(c.closed_by_server(3000)) << printable(bytes);
  }

  void expect_still_serving() { EXPECT_EQ(get("/hello.txt").body, "hello world\n"); }

  static std::string printable(const std::string& bytes) {
    std::string out;
    for (char ch : bytes.substr(0, 80)) {
      unsigned char c = static_cast<unsigned char>(ch);
      if (c == '\r') {
        out += "\\r";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c < 0x20 || c >= 0x7f) {
        char hex[8];
        snprintf(hex, sizeof hex, "\\x%02x", c);
        out += hex;
      } else {
        out += ch;
      }
    }
    return out;
  }

  const std::string post_ = "POST /echo HTTP/1.1\r\nHost: x\r\n";
  const std::string chunked_ = post_ + "Transfer-Encoding: chunked\r\n\r\n";
};

TEST_F(HttpStrictTest, FieldNamesWithWhitespaceAre400) {
  expect_refused(post_ + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\r\nTrans fer: x\r\n\r\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\r\n: x\r\n\r\n", 400);
  expect_still_serving();
}

TEST_F(HttpStrictTest, ObsFoldIs400) {
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\n Host: x\r\n\r\n", 400);
  expect_still_serving();
}

TEST_F(HttpStrictTest, BareLineEndsAndControlBytesAre400) {
  expect_refused("GET /hello.txt HTTP/1.1\nHost: x\n\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\n\r\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400);
  expect_refused(std::string("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX: a") + '\0' + "b\r\n\r\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX: a\x01\r\n\r\n", 400);
  expect_still_serving();
}

TEST_F(HttpStrictTest, ChunkFramingErrorsAre400) {
  expect_refused(chunked_ + "5\r\nhelloXX0\r\n\r\n", 400);       // data not followed by CRLF
  expect_refused(chunked_ + "5\nhello\r\n0\r\n\r\n", 400);        // bare LF after the size
  expect_refused(chunked_ + "5;a=b\nhello\r\n0\r\n\r\n", 400);    // bare LF in an extension
  expect_refused(chunked_ + "ffffffffffffffffff\r\nx\r\n", 400);  // size overflow
  expect_refused(chunked_ + "5\r\nhello\r\n0\r\n\n", 400);
  Client c;
  HttpResponse r = send_raw(&c, chunked_ + "5;name=\"v\"\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "hello") << "extensions are ignored";
  expect_still_serving();
}

TEST_F(HttpStrictTest, TrailerFieldsDoNotActAsHeaders) {
  Client c;
  HttpResponse r = send_raw(&c,
                            "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "0\r\nRange: bytes=0-1\r\n\r\n");
  EXPECT_EQ(r.status, 200) << "a trailer Range must not make a 206";
  EXPECT_EQ(r.body, "hello world\n");
  HttpResponse again;
  ASSERT_TRUE(c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_response(&again)) << "the connection goes on after a chunked request with trailers";
  EXPECT_EQ(again.status, 200);
}

TEST_F(HttpStrictTest, TransferEncodingOnHttp10IsAnsweredThenClosed) {
  Client c;
  HttpResponse r = send_raw(&c,
                            "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                            "3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "abc");
  EXPECT_TRUE(c.closed_by_server(3000));
}

TEST_F(HttpStrictTest, TransferCodingsOtherThanChunked) {
  expect_refused(post_ + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
  expect_refused(post_ + "Transfer-Encoding: identity\r\n\r\n", 400);
  expect_refused(post_ + "Transfer-Encoding: foo\r\n\r\n", 400);
  expect_refused(post_ + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400);
  expect_refused(post_ + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400);
  expect_still_serving();
}

TEST_F(HttpStrictTest, RequestLineProtocolAndVersion) {
  const std::string rest = "\r\nHost: x\r\n\r\n";
  for (const char* bad : {"GET /hello.txt HTTX/1.1", "GET /hello.txt http/1.1", "GET /hello.txt HTTP/1.x",
                          "GET /hello.txt HTTP/11", "GET /hello.txt HTTP/1.1.1", "GET /hello.txt HTTP/1.1 extra",
                          "GET  /hello.txt HTTP/1.1", "GET /hello.txt  HTTP/1.1", "GET /hello.txt"}) {
    expect_refused(bad + rest, 400);
  }
  for (const char* unsupported : {"GET /hello.txt HTTP/2.0", "GET /hello.txt HTTP/3.0", "GET /hello.txt HTTP/0.9"}) {
    expect_refused(unsupported + rest, 505);
  }
  Client c10;
  EXPECT_EQ(send_raw(&c10, "GET /hello.txt HTTP/1.0\r\n\r\n").status, 200);
  expect_still_serving();
}

TEST_F(HttpStrictTest, HostRules) {
  expect_refused("GET /hello.txt HTTP/1.1\r\n\r\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", 400);
  expect_refused("GET /hello.txt HTTP/1.1\r\nHost: a, b\r\n\r\n", 400);
  for (const char* bad : {"a b", "a/b", "u@a", "a,b"}) {
    expect_refused(std::string("GET /hello.txt HTTP/1.1\r\nHost: ") + bad + "\r\n\r\n", 400);
  }
  Client c;
  HttpResponse r = send_raw(&c, "GET http://example.com/hello.txt HTTP/1.1\r\nHost: other\r\n\r\n");
  EXPECT_EQ(r.status, 200) << "the path comes from the absolute target";
  EXPECT_EQ(r.body, "hello world\n");
}

TEST_F(HttpStrictTest, UnknownMethodIs501HoweverTheBytesAreSplit) {
  const std::string request = "FOO /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
  expect_refused(request, 501);
  std::vector<std::vector<std::string>> splits = {{"FO", "O /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
                                                  {"F", "OO", " /hello.txt HTTP/1.1\r\n", "Host: x\r\n\r\n"}};
  std::vector<std::string> bytes;
  for (char ch : request) bytes.emplace_back(1, ch);
  splits.push_back(bytes);
  for (const auto& pieces : splits) {
    Client c;
    HttpResponse r = send_pieces(&c, pieces, 2000);
    EXPECT_EQ(r.status, 501) << pieces.size() << " pieces";
    EXPECT_TRUE(c.closed_by_server(3000));
  }
  Client junk;
  HttpResponse r = send_pieces(&junk, {"F", "O\x01O / HTTP/1.1\r\n\r\n"}, 2000);
  EXPECT_EQ(r.status, 400) << "not a token";
  expect_still_serving();
}

TEST_F(HttpStrictTest, GoodRequestByteByByteIsServed) {
  const std::string request = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<std::string> bytes;
  for (char ch : request) bytes.emplace_back(1, ch);
  Client c;
  HttpResponse r = send_pieces(&c, bytes, 1000);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world\n");
}

TEST_F(HttpStrictTest, OptionsAsteriskIsARequest) {
  Client c;
  HttpResponse r = send_raw(&c, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200) << "the parser takes it; dispatch answers for the whole server";
  EXPECT_FALSE(c.closed_by_server(200));
  expect_refused("GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

TEST_F(HttpStrictTest, ContentLengthRules) {
  expect_refused(post_ + "Content-Length: +5\r\n\r\nhello", 400);
  expect_refused(post_ + "Content-Length: 5x\r\n\r\nhello", 400);
  expect_refused(post_ + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400);
  expect_refused(post_ + "Content-Length: 5, 5\r\n\r\nhello", 400);  // identical copies too
  expect_still_serving();
}

}  // namespace
}  // namespace hearth::test
