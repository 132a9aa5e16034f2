#include "worker/http/request_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

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


int status_of(const std::string& input, const Limits& limits = Limits()) { return parse(input, limits).error; }

// ---- The same bytes give the same result however TCP splits them ----

// What a connection would see: every message up to an error, a close or the
// end of the input, then the parser's state.
struct Outcome {
  struct Message {
    std::string method, target, path, query, body;
    int http_minor = 0;
    std::vector<Headers::Field> headers;
    bool keep_alive = false;
    bool upgrade = false;
    bool operator==(const Message& o) const {
      return method == o.method && target == o.target && path == o.path && query == o.query && body == o.body &&
             http_minor == o.http_minor && headers == o.headers && keep_alive == o.keep_alive &&
             upgrade == o.upgrade;
    }
  };
  std::vector<Message> messages;
  int status = 0;    // error_status(), or -1 when the parser stopped taking bytes without a reason
  bool idle = true;  // state after the last byte
  bool operator==(const Outcome& o) const { return messages == o.messages && status == o.status && idle == o.idle; }
  std::string describe() const {
    std::ostringstream out;
    out << "status " << status << (idle ? " idle" : " busy") << ", " << messages.size() << " message(s)";
    for (const Message& m : messages) {
      out << " [" << m.method << " " << m.target << " " << m.headers.size() << " headers, body " << m.body.size()
          << (m.keep_alive ? ", keep-alive" : ", close") << "]";
    }
    return out.str();
  }
};

// Feeds `input` cut at `cuts` (sorted offsets), as the connection does.
Outcome parse_pieces(const std::string& input, const std::vector<size_t>& cuts, const Limits& limits = Limits()) {
  RequestParser p(limits);
  Outcome out;
  size_t begin = 0;
  for (size_t piece = 0; piece <= cuts.size(); piece++) {
    size_t end = piece < cuts.size() ? cuts[piece] : input.size();
    while (begin < end) {
      size_t n = p.feed(input.data() + begin, end - begin);
      begin += n;
      if (p.error_status() != 0) {
        out.status = p.error_status();
        return out;
      }
      if (p.message_ready()) {
        bool keep_alive = p.keep_alive(), upgrade = p.upgrade();
        Request r = p.take_request();
        out.messages.push_back({r.method, r.target, r.path, r.query, r.body, r.http_minor, r.headers.fields(),
                                keep_alive, upgrade});
        if (!keep_alive || upgrade) return out;
      } else if (n == 0) {
        out.status = -1;
        return out;
      }
    }
    begin = end;
  }
  out.idle = p.idle();
  return out;
}

// Compares the one-shot parse with byte-by-byte, every two-piece split and
// some random splits (fixed seed). Returns the one-shot outcome.
Outcome expect_split_invariant(const std::string& input, const Limits& limits = Limits()) {
  Outcome whole = parse_pieces(input, {}, limits);
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < input.size(); i++) every_byte.push_back(i);
  EXPECT_EQ(parse_pieces(input, every_byte, limits), whole)
      << "byte by byte: " << parse_pieces(input, every_byte, limits).describe() << " vs " << whole.describe()
      << "\n  " << input.substr(0, 60);
  for (size_t cut = 1; cut < input.size(); cut++) {
    Outcome split = parse_pieces(input, {cut}, limits);
    EXPECT_EQ(split, whole) << "cut at " << cut << ": " << split.describe() << " vs " << whole.describe() << "\n  "
                            << input.substr(0, 60);
  }
  std::mt19937 random(12345);
  for (int round = 0; round < 20 && input.size() > 2; round++) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < input.size(); i++) {
      if (random() % 7 == 0) cuts.push_back(i);
    }
    EXPECT_EQ(parse_pieces(input, cuts, limits), whole) << "random round " << round << "\n  " << input.substr(0, 60);
  }
  return whole;
}

const std::string kHost = "Host: h\r\n";

struct CorpusCase {
  std::string bytes;
  int status;  // of the first refused message, 0 when all are served
};

std::vector<CorpusCase> corpus() {
  std::string post = "POST /echo HTTP/1.1\r\nHost: h\r\n";
  std::string chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
  return {
      {"GET / HTTP/1.1\r\n" + kHost + "\r\n", 0},
      {"\r\nGET /a?b=c HTTP/1.1\r\nHost: h\r\nX-A:  v  \r\nX-B:\r\n\r\n", 0},
      {"GET /1 HTTP/1.1\r\n" + kHost + "\r\nGET /2 HTTP/1.1\r\n" + kHost + "\r\nGET /3 HTTP/1.0\r\n\r\n", 0},
      {post + "Content-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n" + kHost + "\r\n", 0},
      {chunked + "5\r\nhello\r\n6;x=\"y z\"\r\n world\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\n" + kHost + "\r\n", 0},
      {"OPTIONS * HTTP/1.1\r\n" + kHost + "\r\n", 0},
      {"GET http://example.com/x?q HTTP/1.1\r\nHost: other\r\n\r\n", 0},
      {"PROPFIND /dav HTTP/1.1\r\n" + kHost + "\r\n", 0},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello", 0},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\nGET / HTTP/1.0\r\n\r\n",
       0},
      {"GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n", 0},
      {"FOO / HTTP/1.1\r\n" + kHost + "\r\n", 501},
      {"get / HTTP/1.1\r\n" + kHost + "\r\n", 501},
      {"DESCRIBE / HTTP/1.1\r\n" + kHost + "\r\n", 501},
      {"GARBAGE\r\n\r\n", 400},
      {std::string("\x16\x03\x01\x02\x00 garbage", 13), 400},
      {"G@T / HTTP/1.1\r\n" + kHost + "\r\n", 400},
      {"GET / HTTP/2.0\r\n" + kHost + "\r\n", 505},
      {"GET / HTTP/1.2\r\n" + kHost + "\r\n", 505},
      {"GET / HTTP/1.x\r\n" + kHost + "\r\n", 400},
      {"GET / HTTP/1.1 extra\r\n" + kHost + "\r\n", 400},
      {"GET  / HTTP/1.1\r\n" + kHost + "\r\n", 400},
      {"GET / RTSP/1.0\r\n" + kHost + "\r\n", 400},
      {"GET * HTTP/1.1\r\n" + kHost + "\r\n", 400},
      {"GET / HTTP/1.1\n" + kHost + "\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\n\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\n\r\r", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\nTrans fer: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n", 400},
      {std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a") + '\0' + "b\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\n\r\n", 400},
      {post + "Content-Length: +5\r\n\r\nhello", 400},
      {post + "Content-Length: 5, 5\r\n\r\nhello", 400},
      {post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {post + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {post + "Transfer-Encoding: identity\r\n\r\n", 400},
      {chunked + "5\r\nhelloXX0\r\n\r\n", 400},
      {chunked + "5;a=b\nhello\r\n0\r\n\r\n", 400},
      {chunked + "ffffffffffffffffff\r\n", 400},
      {chunked + "5\r\nhello\r\n0\r\nX: y\r\n z\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\nExpect: tea\r\n\r\n", 417},
  };
}

TEST(RequestParser, SameResultWhateverTheSplit) {
  for (const CorpusCase& c : corpus()) {
    Outcome whole = expect_split_invariant(c.bytes);
    EXPECT_EQ(whole.status, c.status) << whole.describe() << "\n  " << c.bytes.substr(0, 60);
    if (c.status == 0) {
      EXPECT_FALSE(whole.messages.empty()) << c.bytes.substr(0, 60);
    }
  }
}

TEST(RequestParser, SizeLimitsWhateverTheSplit) {
  Limits limits;
  limits.request_line_bytes = 40;
  limits.header_bytes = 80;
  limits.body_bytes = 8;
  struct Case {
    std::string bytes;
    int status;
  } cases[] = {
      {"GET /" + std::string(40, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", 414},
      {"GET /" + std::string(40, 'a'), 414},  // refused before the line ends
      {"GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(60, 'b') + "\r\n\r\n", 431},
      {"GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(60, 'b'), 431},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n", 413},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\n12345678", 0},
  };
  for (const Case& c : cases) EXPECT_EQ(expect_split_invariant(c.bytes, limits).status, c.status) << c.bytes;
}

// ---- One test per rule ----

TEST(RequestParser, UnknownMethodIs501HoweverSplit) {
  std::string in = "FOO / HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(expect_split_invariant(in).status, 501);
  EXPECT_EQ(parse_pieces(in, {2}).status, 501) << "\"FO\" then \"O / HTTP/1.1\"";
  EXPECT_EQ(parse_pieces("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n", {1}).status, 501);
  EXPECT_EQ(status_of("M-SEARCH * HTTP/1.1\r\nHost: h\r\n\r\n"), 400) << "'*' is for OPTIONS";
  EXPECT_EQ(status_of("FO\x01O / HTTP/1.1\r\nHost: h\r\n\r\n"), 400) << "not a token";
  EXPECT_EQ(status_of("FO\x01"), 400) << "junk is refused without waiting for the line";
  for (const char* known : {"PROPFIND", "SOURCE", "PURGE", "MKCOL", "TRACE"}) {
    Parsed r = parse(std::string(known) + " /x HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_TRUE(r.ready) << known << " parses; the router answers it";
    EXPECT_EQ(r.req.method, known);
  }
}

TEST(RequestParser, RequestLineVersionsAndShape) {
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\n\r\n"), 0);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
  for (const char* v : {"HTTX/1.1", "http/1.1", "HTTP/1.x", "HTTP/11", "HTTP/1.1.1", "HTTP/1.1 extra", "HTTP/ 1.1"}) {
    EXPECT_EQ(status_of(std::string("GET / ") + v + "\r\nHost: h\r\n\r\n"), 400) << v;
  }
  for (const char* v : {"HTTP/2.0", "HTTP/3.0", "HTTP/0.9", "HTTP/1.2"}) {
    EXPECT_EQ(status_of(std::string("GET / ") + v + "\r\nHost: h\r\n\r\n"), 505) << v;
  }
  EXPECT_EQ(status_of("GET /\r\n\r\n"), 400) << "HTTP/0.9 without a version field";
  EXPECT_EQ(status_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /  HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a\x80 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n"), 400) << "authority-form: not a proxy";
  EXPECT_EQ(status_of("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);
  Parsed r = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_TRUE(r.ready) << "empty lines before a request are skipped (RFC 9112 §2.2)";
}

TEST(RequestParser, BareLineEndingsAre400) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\nHost: h\n\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\n\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\n\rX"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400);
}

TEST(RequestParser, FieldNamesMustBeTokens) {
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length\t: 0\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nTrans fer: x\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nX(y): x\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-Ok_1.2~: x\r\n\r\n"), 0);
}

TEST(RequestParser, ObsFoldIs400) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400) << "whitespace before the first field";
}

TEST(RequestParser, FieldValuesRefuseControlBytes) {
  EXPECT_EQ(status_of(std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a") + '\0' + "b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n"), 400);
  Parsed r = parse("GET / HTTP/1.1\r\nHost: h\r\nX: \t a\tb \t\r\nY:\r\n\r\n");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(*r.req.headers.find("X"), "a\tb") << "surrounding whitespace is not part of the value";
  EXPECT_EQ(*r.req.headers.find("Y"), "");
}

TEST(RequestParser, ContentLengthRules) {
  std::string head = "POST / HTTP/1.1\r\nHost: h\r\n";
  EXPECT_EQ(status_of(head + "Content-Length: 5x\r\n\r\nhello"), 400);
  EXPECT_EQ(status_of(head + "Content-Length: +5\r\n\r\nhello"), 400);
  EXPECT_EQ(status_of(head + "Content-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(status_of(head + "Content-Length: \r\n\r\n"), 400);
  EXPECT_EQ(status_of(head + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), 400);
  // Identical copies too: RFC 9110 §8.6 allows accepting them, nginx refuses; so do we.
  EXPECT_EQ(status_of(head + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"), 400);
  EXPECT_EQ(status_of(head + "Content-Length: 5, 5\r\n\r\nhello"), 400);
  EXPECT_EQ(status_of(head + "Content-Length: 99999999999999999999999\r\n\r\n"), 400);
  Parsed r = parse(head + "Content-Length: 5 \r\n\r\nhello");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(r.req.body, "hello");
}

TEST(RequestParser, ChunkedFramingIsStrict) {
  std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(status_of(head + "5\r\nhelloXX0\r\n\r\n"), 400) << "data not followed by CRLF";
  EXPECT_EQ(status_of(head + "5\r\nhello\n0\r\n\r\n"), 400);
  EXPECT_EQ(status_of(head + "5\nhello\r\n0\r\n\r\n"), 400) << "bare LF after the size";
  EXPECT_EQ(status_of(head + "5;ext=1\nhello\r\n0\r\n\r\n"), 400) << "bare LF after an extension";
  EXPECT_EQ(status_of(head + "ffffffffffffffffff\r\n"), 400) << "size overflow";
  EXPECT_EQ(status_of(head + "0\r\n\n"), 400);
  Parsed r = parse(head + "5;name=value;q=\"a b\"\r\nhello\r\n0;last\r\n\r\n");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(r.req.body, "hello") << "extensions are parsed and ignored";
}

TEST(RequestParser, TrailersNeverReachHeaders) {
  Parsed r = parse(
      "GET /hello.txt HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\nRange: bytes=0-1\r\nHost: evil\r\n\r\n");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(r.req.body, "hello");
  EXPECT_FALSE(r.req.headers.has("Range"));
  EXPECT_EQ(*r.req.headers.find("Host"), "h");
  EXPECT_EQ(r.req.headers.fields().size(), 2u);
}

TEST(RequestParser, TransferEncodingOnHttp10Closes) {
  Parsed r = parse("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(r.ready) << "answered";
  EXPECT_EQ(r.req.body, "abc");
  EXPECT_FALSE(r.keep_alive) << "then closed: the framing is faulty (RFC 9112 §6.1)";
  EXPECT_TRUE(parse("POST /echo HTTP/1.0\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
}

TEST(RequestParser, TransferCodings) {
  std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ";
  EXPECT_EQ(status_of(head + "chunked\r\n\r\n0\r\n\r\n"), 0);
  EXPECT_EQ(status_of(head + "gzip, chunked\r\n\r\n0\r\n\r\n"), 501);
  EXPECT_EQ(status_of(head + "foo, chunked\r\n\r\n0\r\n\r\n"), 501);
  EXPECT_EQ(status_of(head + "identity\r\n\r\n"), 400) << "final coding not chunked";
  EXPECT_EQ(status_of(head + "foo\r\n\r\n"), 400);
  EXPECT_EQ(status_of(head + "chunked, gzip\r\n\r\n"), 400);
  EXPECT_EQ(status_of(head + "chunked, chunked\r\n\r\n"), 400);
  EXPECT_EQ(status_of(head + "gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 501);
  EXPECT_EQ(status_of(head + "chunked\r\nContent-Length: 3\r\n\r\n"), 400);
}

TEST(RequestParser, HostRules) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  for (const char* bad : {"a b", "a/b", "user@a", "a, b", "a,b", "a:8x", "[::1", "a:1:2"}) {
    EXPECT_EQ(status_of(std::string("GET / HTTP/1.1\r\nHost: ") + bad + "\r\n\r\n"), 400) << bad;
  }
  for (const char* good : {"a", "example.com:8080", "127.0.0.1", "[::1]:80", ""}) {
    EXPECT_EQ(status_of(std::string("GET / HTTP/1.1\r\nHost: ") + good + "\r\n\r\n"), 0) << good;
  }
}

TEST(RequestParser, AbsoluteFormAuthorityWins) {
  Parsed r = parse("GET HTTP://Example.com:8080/x?q=1 HTTP/1.1\r\nHost: other\r\n\r\n");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(r.req.path, "/x");
  EXPECT_EQ(r.req.query, "q=1");
  EXPECT_EQ(*r.req.headers.find("Host"), "Example.com:8080");
  EXPECT_EQ(parse("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n").req.path, "/");
  EXPECT_EQ(status_of("GET http://example.com/ HTTP/1.1\r\n\r\n"), 400) << "Host checks still apply";
  EXPECT_EQ(status_of("GET http://user@example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET ftp://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"), 400);
}

TEST(RequestParser, OptionsAsterisk) {
  Parsed r = parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r.ready);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.req.method, "OPTIONS");
  EXPECT_EQ(r.req.target, "*");
  EXPECT_EQ(r.req.path, "*");
  for (const char* method : {"GET", "HEAD", "POST", "DELETE", "FOO"}) {
    EXPECT_EQ(status_of(std::string(method) + " * HTTP/1.1\r\nHost: h\r\n\r\n"), 400) << method;
  }
}

TEST(RequestParser, UpgradeStopsRightAfterTheHead) {
  std::string head = "GET /socket HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  std::string in = head + "\x81\x05hello";
  RequestParser p{Limits()};
  EXPECT_EQ(p.feed(in.data(), in.size()), head.size());
  ASSERT_TRUE(p.message_ready());
  EXPECT_TRUE(p.upgrade());
  p.take_request();
  EXPECT_TRUE(p.upgrade()) << "still known after take_request()";
}

TEST(RequestParser, ReusesOneParserForManyRequests) {
  RequestParser p{Limits()};
  Request req;
  for (int i = 0; i < 3; i++) {
    std::string in = "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n";
    ASSERT_EQ(p.feed(in.data(), in.size()), in.size());
    ASSERT_TRUE(p.message_ready());
    p.take_request(&req);
    EXPECT_EQ(req.body, "x");
    std::string get = "GET /g HTTP/1.1\r\nHost: h\r\n\r\n";
    ASSERT_EQ(p.feed(get.data(), get.size()), get.size());
    p.take_request(&req);
    EXPECT_EQ(req.path, "/g");
    EXPECT_TRUE(req.body.empty());
    EXPECT_EQ(req.headers.fields().size(), 1u);
  }
}

}  // namespace
}  // namespace hearth
