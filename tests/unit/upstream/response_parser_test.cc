#include "worker/upstream/response_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth {
namespace {

struct Recorder : UpstreamResponseParser::Events {
  std::vector<int> interim;
  UpstreamHead head;
  int heads = 0;
  std::string body;
  int completes = 0;
  void on_interim(const UpstreamHead& h) override { interim.push_back(h.status); }
  void on_head(const UpstreamHead& h) override {
    head = h;
    heads++;
  }
  void on_body(std::string_view piece) override { body.append(piece); }
  void on_complete() override { completes++; }
};

// Feeds `wire` in pieces of `step` bytes; returns the bytes used.
size_t feed_all(UpstreamResponseParser* p, const std::string& wire, size_t step) {
  size_t used = 0;
  while (used < wire.size() && !p->complete() && !p->failed()) {
    size_t n = std::min(step, wire.size() - used);
    size_t got = p->feed(wire.data() + used, n);
    used += got;
    if (got < n) break;
  }
  return used;
}

TEST(UpstreamResponseParser, LengthBodyInEverySplit) {
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhelloEXTRA";
  for (size_t step = 1; step <= wire.size(); step++) {
    UpstreamResponseParser p;
    Recorder r;
    p.start(false, &r);
    size_t used = feed_all(&p, wire, step);
    ASSERT_TRUE(p.complete()) << step;
    EXPECT_EQ(used, wire.size() - 5) << step;
    EXPECT_EQ(r.body, "hello");
    EXPECT_EQ(r.head.status, 200);
    EXPECT_TRUE(r.head.has_length);
    EXPECT_EQ(r.head.length, 5u);
    ASSERT_NE(r.head.headers.find("X-A"), nullptr);
    EXPECT_EQ(*r.head.headers.find("X-A"), "b");
    EXPECT_TRUE(p.keep_alive());
  }
}

TEST(UpstreamResponseParser, ChunkedBodyIsDecoded) {
  UpstreamResponseParser p;
  Recorder r;
  p.start(false, &r);
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  feed_all(&p, wire, 3);
  EXPECT_TRUE(p.complete());
  EXPECT_TRUE(r.head.chunked);
  EXPECT_FALSE(r.head.has_length);
  EXPECT_EQ(r.body, "abcde");
}

TEST(UpstreamResponseParser, InterimHeadsComeFirst) {
  UpstreamResponseParser p;
  Recorder r;
  p.start(false, &r);
  std::string wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                     "HTTP/1.1 204 No Content\r\n\r\n";
  feed_all(&p, wire, 7);
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(r.interim, (std::vector<int>{100, 103}));
  EXPECT_EQ(r.head.status, 204);
  EXPECT_EQ(r.heads, 1);
}

TEST(UpstreamResponseParser, HeadRequestHasNoBody) {
  UpstreamResponseParser p;
  Recorder r;
  p.start(true, &r);
  feed_all(&p, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 100);
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(r.head.length, 100u);
  EXPECT_TRUE(r.body.empty());
}

TEST(UpstreamResponseParser, CloseDelimitedBodyEndsAtFinish) {
  UpstreamResponseParser p;
  Recorder r;
  p.start(false, &r);
  feed_all(&p, "HTTP/1.1 200 OK\r\n\r\nuntil the end", 4);
  EXPECT_FALSE(p.complete());
  EXPECT_TRUE(p.finish());
  EXPECT_EQ(r.body, "until the end");
  EXPECT_FALSE(p.keep_alive());
}

TEST(UpstreamResponseParser, CutLengthBodyIsNotComplete) {
  UpstreamResponseParser p;
  Recorder r;
  p.start(false, &r);
  feed_all(&p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 100);
  EXPECT_FALSE(p.finish());
}

TEST(UpstreamResponseParser, SwitchingProtocolsStopsAtTheHead) {
  UpstreamResponseParser p;
  Recorder r;
  p.start(false, &r);
  std::string wire = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi";
  size_t used = p.feed(wire.data(), wire.size());
  EXPECT_EQ(r.head.status, 101);
  EXPECT_EQ(wire.substr(used), "\x81\x02hi");
}

TEST(UpstreamResponseParser, GarbageFails) {
  UpstreamResponseParser p;
  Recorder r;
  p.start(false, &r);
  std::string wire = "SSH-2.0-OpenSSH\r\n";
  p.feed(wire.data(), wire.size());
  EXPECT_TRUE(p.failed());
  EXPECT_FALSE(p.head_seen());
}

TEST(UpstreamResponseParser, HugeHeadFails) {
  UpstreamResponseParser p(1024);
  Recorder r;
  p.start(false, &r);
  std::string wire = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
  p.feed(wire.data(), wire.size());
  EXPECT_TRUE(p.failed());
}

}  // namespace
}  // namespace hearth
