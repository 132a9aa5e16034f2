#include "worker/http/http_syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth::http_syntax {
namespace {

TEST(HttpSyntax, TokensAndFieldValues) {
  EXPECT_TRUE(is_token("Content-Type"));
  EXPECT_TRUE(is_token("M-SEARCH"));
  EXPECT_TRUE(is_token("x!#$%&'*+-.^_`|~9"));
  EXPECT_FALSE(is_token(""));
  EXPECT_FALSE(is_token("Trans fer"));
  EXPECT_FALSE(is_token("a:b"));
  EXPECT_FALSE(is_token("a\tb"));
  EXPECT_FALSE(is_token("caf\xc3\xa9"));
  EXPECT_TRUE(is_field_value(""));
  EXPECT_TRUE(is_field_value("text/html; q=0.9, */*"));
  EXPECT_TRUE(is_field_value("a\tb c"));
  EXPECT_TRUE(is_field_value("caf\xc3\xa9"));  // obs-text
  EXPECT_FALSE(is_field_value(std::string("a\0b", 3)));
  EXPECT_FALSE(is_field_value("a\rb"));
  EXPECT_FALSE(is_field_value("a\nb"));
  EXPECT_FALSE(is_field_value("a\x01"));
  EXPECT_FALSE(is_field_value("a\x7f"));
}

TEST(HttpSyntax, HostPort) {
  for (const char* good : {"example.com", "example.com:8080", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:3000",
                           "[2001:db8::7]", "[v1.fe80::a+en1]", "h", "a-b_c~d.e", "xn--caf-dma.example", "%41b",
                           "h:"}) {
    EXPECT_TRUE(is_host_port(good)) << good;
  }
  for (const char* bad : {"", ":80", "a b", "a/b", "user@host", "a, b", "a,b", "host:8x", "host:80:90", "[::1",
                          "[zz::1]", "[]", "::1", "%4", "%zz", "a\tb", "h\xc3\xa9"}) {
    EXPECT_FALSE(is_host_port(bad)) << bad;
  }
}

TEST(HttpSyntax, RequestLineShape) {
  RequestLine rl;
  ASSERT_EQ(parse_request_line("GET /a?b HTTP/1.1", &rl), 0);
  EXPECT_EQ(rl.method, "GET");
  EXPECT_EQ(rl.target, "/a?b");
  EXPECT_EQ(rl.http_major, 1);
  EXPECT_EQ(rl.http_minor, 1);
  EXPECT_EQ(parse_request_line("GET / HTTP/1.0", &rl), 0);
  EXPECT_EQ(parse_request_line("BREW /pot HTTP/1.1", &rl), 0) << "an unknown method is still well-formed";
  struct Case {
    const char* line;
    int status;
  } cases[] = {
      {"GET / HTTX/1.1", 400},    {"GET / http/1.1", 400},       {"GET / HTTP/1.x", 400},
      {"GET / HTTP/11", 400},     {"GET / HTTP/1.1.1", 400},     {"GET / HTTP/1.1 extra", 400},
      {"GET  / HTTP/1.1", 400},   {"GET /  HTTP/1.1", 400},      {"GET /", 400},
      {"GET", 400},               {" GET / HTTP/1.1", 400},      {"G(T / HTTP/1.1", 400},
      {"GET /\x80 HTTP/1.1", 400}, {"GET / HTTP/1.1 ", 400},     {"", 400},
      {"GET / HTTP/2.0", 505},    {"GET / HTTP/3.0", 505},       {"GET / HTTP/0.9", 505},
      {"GET / HTTP/1.2", 505},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_request_line(c.line, &rl), c.status) << c.line;
}

TEST(HttpSyntax, TargetForms) {
  Target t = parse_target("/a/b?x=1#frag");
  EXPECT_EQ(t.form, TargetForm::kOrigin);
  EXPECT_EQ(t.path, "/a/b");
  EXPECT_EQ(t.query, "x=1");
  t = parse_target("*");
  EXPECT_EQ(t.form, TargetForm::kAsterisk);
  EXPECT_EQ(t.path, "*");
  t = parse_target("HTTP://Example.com:8080/x?q");
  EXPECT_EQ(t.form, TargetForm::kAbsolute);
  EXPECT_EQ(t.authority, "Example.com:8080");
  EXPECT_EQ(t.path, "/x");
  EXPECT_EQ(t.query, "q");
  t = parse_target("https://h?q");
  EXPECT_EQ(t.form, TargetForm::kAbsolute);
  EXPECT_EQ(t.path, "");
  EXPECT_EQ(t.query, "q");
  for (const char* bad : {"example.com:443", "ftp://h/", "http://user@h/", "http:///x", "http://a b/", "x", "**"}) {
    EXPECT_EQ(parse_target(bad).form, TargetForm::kInvalid) << bad;
  }
}

int te(std::initializer_list<const char*> values) {
  Headers h;
  h.add("Host", "x");
  for (const char* v : values) h.add("Transfer-Encoding", v);
  return transfer_encoding_status(h);
}

TEST(HttpSyntax, TransferEncoding) {
  EXPECT_EQ(te({"chunked"}), 0);
  EXPECT_EQ(te({"Chunked"}), 0);
  EXPECT_EQ(te({" chunked ,"}), 0) << "empty list elements are allowed";
  EXPECT_EQ(te({"gzip, chunked"}), 501);
  EXPECT_EQ(te({"gzip", "chunked"}), 501) << "fields combine into one list";
  EXPECT_EQ(te({"x;q=\"a,b\", chunked"}), 501) << "a quoted comma does not split";
  EXPECT_EQ(te({"chunked, gzip"}), 400) << "chunked must be final";
  EXPECT_EQ(te({"chunked", "gzip"}), 400);
  EXPECT_EQ(te({"chunked, chunked"}), 400) << "chunked at most once";
  EXPECT_EQ(te({"identity"}), 400) << "final coding not chunked: MUST be 400 (RFC 9112 §6.3)";
  EXPECT_EQ(te({"foo"}), 400);
  EXPECT_EQ(te({""}), 400);
  EXPECT_EQ(te({"chunked;a=b"}), 400) << "chunked takes no parameters";
  EXPECT_EQ(te({"gz ip, chunked"}), 400);
  EXPECT_EQ(te({"x;=1, chunked"}), 400);
}

// Feeds `input` to `take(data, len)` in pieces of `step` bytes, as reads
// would arrive; stops when a piece is not used whole. Returns the bytes used.
template <typename Take>
size_t feed_in_steps(const std::string& input, size_t step, Take take) {
  size_t used = 0;
  for (size_t at = 0; at < input.size(); at += step) {
    size_t n = std::min(step, input.size() - at);
    size_t got = take(input.data() + at, n);
    used += got;
    if (got < n) break;
  }
  return used;
}

TEST(HttpSyntax, RequestLineReader) {
  for (size_t step : {1, 3, 1000}) {
    RequestLineReader r;
    r.reset(100);
    std::string in = "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n";
    EXPECT_EQ(feed_in_steps(in, step, [&](const char* d, size_t n) { return r.read(d, n); }), 20u) << step;
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.line(), "GET / HTTP/1.1");
    EXPECT_EQ(r.raw(), "GET / HTTP/1.1\r\n");
  }
  struct Case {
    std::string in;
    int status;
    size_t used;
  } cases[] = {
      {"GET / HTTP/1.1\n", 400, 14},      {"GET / HTTP/1.1\rX", 400, 15}, {"\x16\x03\x01", 400, 0},
      {"GE\tT /", 400, 2},                {std::string("GET /\0", 6), 400, 5},          {"\n", 400, 0},
      {"\r\r", 400, 1},                   {"G{T", 400, 1},
      {"GET /" + std::string(96, 'a') + " HTTP/1.1\r\n", 414, 100},
      {std::string(20, '\r') + "\nGET", 400, 1},
  };
  for (const Case& c : cases) {
    RequestLineReader r;
    r.reset(100);
    EXPECT_EQ(r.read(c.in.data(), c.in.size()), c.used) << c.in;
    EXPECT_EQ(r.status(), c.status) << c.in;
  }
  RequestLineReader exact;
  exact.reset(16);
  std::string line = "GET /ab HTTP/1.1\r\n";  // 16 bytes before the CRLF: the limit itself is fine
  EXPECT_EQ(exact.read(line.data(), line.size()), line.size());
  EXPECT_TRUE(exact.complete());
  RequestLineReader empty_lines;
  empty_lines.reset(100);
  std::string many;
  for (int i = 0; i < 9; i++) many += "\r\n";
  empty_lines.read(many.data(), many.size());
  EXPECT_EQ(empty_lines.status(), 400) << "a stream of empty lines is not a request";
}

struct ScanResult {
  size_t used;
  int status;
  bool complete;
};

ScanResult scan(const std::string& in, size_t step, size_t max = 1000) {
  FieldSectionScanner s;
  s.reset(max);
  size_t used = feed_in_steps(in, step, [&](const char* d, size_t n) { return s.scan(d, n); });
  return {used, s.status(), s.complete()};
}

TEST(HttpSyntax, FieldSectionScanner) {
  struct Case {
    std::string in;
    int status;
    size_t used;
    bool complete;
  } cases[] = {
      {"Host: x\r\nA: b\r\n\r\nBODY", 0, 17, true},
      {"\r\n", 0, 2, true},
      {"Host: x\r\n", 0, 9, false},
      {"Host: x\nA: b\r\n\r\n", 400, 7, false},    // bare LF
      {"Host: x\r\n\n", 400, 9, false},            // bare LF ends the head
      {"Host: x\r\n\r\r", 400, 10, false},          // bare CR ends the head
      {"Host: x\rA: b\r\n\r\n", 400, 8, false},     // bare CR
      {"A: b\r\n c\r\n\r\n", 400, 6, false},        // obs-fold
      {"A: b\r\n\tc\r\n\r\n", 400, 6, false},
      {" Host: x\r\n\r\n", 400, 0, false},           // space before the first field
      {"A: " + std::string(1000, 'x') + "\r\n\r\n", 431, 1000, false},
  };
  for (const Case& c : cases) {
    for (size_t step : {1, 2, 5, 10000}) {
      ScanResult r = scan(c.in, step);
      std::string what = c.in.substr(0, 30) + " step " + std::to_string(step);
      EXPECT_EQ(r.status, c.status) << what;
      EXPECT_EQ(r.used, c.used) << what;
      EXPECT_EQ(r.complete, c.complete) << what;
    }
  }
  EXPECT_EQ(scan("A: b\r\n\r\n", 1000, 8).status, 0) << "exactly the limit fits";
  EXPECT_EQ(scan("A: b\r\n\r\n", 1000, 7).status, 431);
}

}  // namespace
}  // namespace hearth::http_syntax
