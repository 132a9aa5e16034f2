#include "worker/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth {
namespace {

struct Parsed {
  int error = 0;
  bool ready = false;
  size_t consumed = 0;
  Request req;
  bool keep_alive = false;
};

Parsed parse(const std::string& input, const Limits& limits = Limits()) {
  RequestParser p(limits);
  Parsed out;
  out.consumed = p.feed(input.data(), input.size());
  out.error = p.error_status();
  out.ready = p.message_ready();
  if (out.ready) {
    out.keep_alive = p.keep_alive();
    out.req = p.take_request();
  }
  return out;
}

TEST(RequestParser, SimpleGet) {
  Parsed r = parse("GET /a%20b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-Thing: one\r\n\r\n");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.req.method, "GET");
  EXPECT_EQ(r.req.target, "/a%20b?x=1&y=2");
  EXPECT_EQ(r.req.path, "/a%20b");
  EXPECT_EQ(r.req.query, "x=1&y=2");
  ASSERT_NE(r.req.headers.find("x-thing"), nullptr);
  EXPECT_EQ(*r.req.headers.find("X-THING"), "one");
  EXPECT_TRUE(r.keep_alive);
}

TEST(RequestParser, StopsAfterOneMessageForPipelining) {
  std::string two = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  RequestParser p{Limits()};
  size_t n = p.feed(two.data(), two.size());
  ASSERT_TRUE(p.message_ready());
  EXPECT_EQ(p.take_request().path, "/1");
  EXPECT_EQ(n, two.size() / 2);
  size_t m = p.feed(two.data() + n, two.size() - n);
  EXPECT_EQ(n + m, two.size());
  ASSERT_TRUE(p.message_ready());
  EXPECT_EQ(p.take_request().path, "/2");
}

TEST(RequestParser, ByteByByte) {
  std::string in = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
  RequestParser p{Limits()};
  for (size_t i = 0; i < in.size(); i++) {
    ASSERT_FALSE(p.message_ready());
    EXPECT_EQ(p.feed(&in[i], 1), 1u);
  }
  ASSERT_TRUE(p.message_ready());
  EXPECT_EQ(p.take_request().body, "hello");
}

TEST(RequestParser, ChunkedBodyIsDechunked) {
  Parsed r = parse(
      "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(r.req.body, "hello world");
}

TEST(RequestParser, Http10ClosesUnlessKeepAlive) {
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keep_alive);
}

TEST(RequestParser, ErrorStatuses) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\n\r\n").error, 400) << "HTTP/1.1 without Host";
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").error, 0) << "HTTP/1.0 needs no Host";
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").error, 400);
  EXPECT_EQ(parse("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n").error, 501);
  EXPECT_EQ(parse("\x16\x03\x01\x02\x00 garbage").error, 400);
  EXPECT_EQ(parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n").error, 505);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nBad Header\r\n\r\n").error, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n").error, 417);
}

TEST(RequestParser, Limits) {
  Limits limits;
  limits.request_line_bytes = 100;
  limits.header_bytes = 300;
  limits.body_bytes = 10;
  EXPECT_EQ(parse("GET /" + std::string(200, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", limits).error, 414);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(400, 'b') + "\r\n\r\n", limits).error, 431);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits).error, 413);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n",
                  limits).error,
            413);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits).error, 0);
}

TEST(RequestParser, ExpectContinue) {
  std::string head = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n";
  RequestParser p{Limits()};
  p.feed(head.data(), head.size());
  EXPECT_TRUE(p.wants_continue());
  p.continue_sent();
  EXPECT_FALSE(p.wants_continue());
  p.feed("body", 4);
  ASSERT_TRUE(p.message_ready());
  EXPECT_EQ(p.take_request().body, "body");
}

TEST(RequestParser, StateForTimeouts) {
  RequestParser p{Limits()};
  EXPECT_TRUE(p.idle());
  std::string part = "GET / HTTP/1.1\r\nHo";
  p.feed(part.data(), part.size());
  EXPECT_TRUE(p.reading_head());
  std::string rest = "st: h\r\nContent-Length: 2\r\n\r\n";
  p.feed(rest.data(), rest.size());
  EXPECT_TRUE(p.reading_body());
  p.feed("ab", 2);
  EXPECT_TRUE(p.message_ready());
  p.take_request();
  EXPECT_TRUE(p.idle());
}

TEST(RequestParser, AbsoluteFormTarget) {
  Parsed r = parse("GET http://example.com/x/y?q HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(r.req.path, "/x/y");
  EXPECT_EQ(r.req.query, "q");
}

}  // namespace
}  // namespace hearth
