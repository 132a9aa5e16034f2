#include "worker/upstream/proxy_headers.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth {
namespace {

Request request_with(std::vector<std::pair<std::string, std::string>> fields) {
  Request req;
  req.method = "GET";
  req.target = "/a?b=1";
  for (auto& f : fields) req.headers.add(f.first, f.second);
  return req;
}

bool has_line(const std::string& head, const std::string& line) {
  return head.find("\r\n" + line + "\r\n") != std::string::npos;
}

TEST(HopByHop, FixedListAndConnectionNamedFields) {
  EXPECT_TRUE(is_hop_by_hop("connection", ""));
  EXPECT_TRUE(is_hop_by_hop("Keep-Alive", ""));
  EXPECT_TRUE(is_hop_by_hop("TE", ""));
  EXPECT_TRUE(is_hop_by_hop("Transfer-Encoding", ""));
  EXPECT_TRUE(is_hop_by_hop("Proxy-Connection", ""));
  EXPECT_TRUE(is_hop_by_hop("Upgrade", ""));
  EXPECT_TRUE(is_hop_by_hop("Trailer", ""));
  EXPECT_FALSE(is_hop_by_hop("X-Hop", ""));
  EXPECT_TRUE(is_hop_by_hop("X-Hop", "close, x-hop"));
  EXPECT_TRUE(is_hop_by_hop("x-other", " X-Hop ,X-Other"));
  EXPECT_FALSE(is_hop_by_hop("X-Hopper", "X-Hop"));
  EXPECT_FALSE(is_hop_by_hop("Content-Type", "close"));
}

TEST(ConnectionOptions, JoinsEveryConnectionField) {
  Headers h;
  h.add("Connection", "close");
  h.add("X", "1");
  h.add("connection", "X-Hop");
  EXPECT_EQ(connection_options(h), "close,X-Hop");
}

TEST(UpstreamRequestHead, DropsHopByHopAndNamedFields) {
  Request req = request_with({{"Host", "site.example"},
                              {"Connection", "keep-alive, X-Hop"},
                              {"X-Hop", "1"},
                              {"Keep-Alive", "300"},
                              {"TE", "trailers"},
                              {"Proxy-Connection", "keep-alive"},
                              {"Accept", "*/*"}});
  std::string head = upstream_request_head(req, ForwardedFor{"10.0.0.7", "http"}, UpstreamBody(), false);
  EXPECT_EQ(head.compare(0, 23, "GET /a?b=1 HTTP/1.1\r\nHo"), 0) << head;
  EXPECT_TRUE(has_line(head, "Accept: */*"));
  EXPECT_EQ(head.find("X-Hop"), std::string::npos) << head;
  EXPECT_EQ(head.find("Keep-Alive"), std::string::npos);
  EXPECT_EQ(head.find("TE:"), std::string::npos);
  EXPECT_EQ(head.find("Proxy-Connection"), std::string::npos);
  EXPECT_TRUE(has_line(head, "Connection: keep-alive"));
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(UpstreamRequestHead, SetsForwardingFields) {
  Request req = request_with({{"Host", "site.example:3000"}, {"X-Forwarded-For", "1.2.3.4"}, {"Forwarded", "for=evil"},
                              {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "evil.example"}});
  std::string head = upstream_request_head(req, ForwardedFor{"10.0.0.7", "http"}, UpstreamBody(), false);
  EXPECT_TRUE(has_line(head, "Host: site.example:3000"));
  EXPECT_TRUE(has_line(head, "X-Forwarded-For: 1.2.3.4, 10.0.0.7")) << head;
  EXPECT_TRUE(has_line(head, "X-Forwarded-Proto: http"));
  EXPECT_TRUE(has_line(head, "X-Forwarded-Host: site.example:3000"));
  EXPECT_TRUE(has_line(head, "Forwarded: for=10.0.0.7;proto=http;host=\"site.example:3000\"")) << head;
  EXPECT_EQ(head.find("evil"), std::string::npos) << head;
  EXPECT_EQ(head.find("https"), std::string::npos);
}

TEST(UpstreamRequestHead, MergesSeveralXForwardedForFields) {
  Request req = request_with({{"Host", "h"}, {"X-Forwarded-For", "1.1.1.1"}, {"X-Forwarded-For", "2.2.2.2"}});
  std::string head = upstream_request_head(req, ForwardedFor{"::1", "http"}, UpstreamBody(), false);
  EXPECT_TRUE(has_line(head, "X-Forwarded-For: 1.1.1.1, 2.2.2.2, ::1")) << head;
  EXPECT_NE(head.find("Forwarded: for=\"[::1]\""), std::string::npos) << head;
}

TEST(UpstreamRequestHead, BodyFraming) {
  Request req = request_with({{"Host", "h"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}});
  UpstreamBody length{UpstreamBody::Framing::kLength, 42};
  std::string head = upstream_request_head(req, ForwardedFor{"1.2.3.4"}, length, false);
  EXPECT_TRUE(has_line(head, "Content-Length: 42"));
  EXPECT_EQ(head.find("Content-Length: 5"), std::string::npos);
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos);
  UpstreamBody chunked{UpstreamBody::Framing::kChunked, 0};
  head = upstream_request_head(req, ForwardedFor{"1.2.3.4"}, chunked, false);
  EXPECT_TRUE(has_line(head, "Transfer-Encoding: chunked"));
  EXPECT_EQ(head.find("Content-Length"), std::string::npos);
}

TEST(UpstreamRequestHead, AbsoluteTargetBecomesOriginFormWithItsHost) {
  Request req = request_with({{"Host", "ignored.example"}});
  req.target = "http://real.example/p?q";
  std::string head = upstream_request_head(req, ForwardedFor{"1.2.3.4"}, UpstreamBody(), false);
  EXPECT_EQ(head.compare(0, 21, "GET /p?q HTTP/1.1\r\nHo"), 0) << head;
  EXPECT_TRUE(has_line(head, "Host: real.example"));
}

TEST(UpstreamRequestHead, WebSocketUpgradeKeepsUpgrade) {
  Request req = request_with({{"Host", "h"}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"},
                              {"Sec-WebSocket-Key", "abc"}});
  std::string head = upstream_request_head(req, ForwardedFor{"1.2.3.4"}, UpstreamBody(), true);
  EXPECT_TRUE(has_line(head, "Upgrade: websocket"));
  EXPECT_TRUE(has_line(head, "Connection: upgrade"));
  EXPECT_TRUE(has_line(head, "Sec-WebSocket-Key: abc"));
  head = upstream_request_head(req, ForwardedFor{"1.2.3.4"}, UpstreamBody(), false);
  EXPECT_EQ(head.find("Upgrade:"), std::string::npos);
}

TEST(CopyResponseHeaders, DropsHopByHopDateServerAndMaybeLength) {
  Headers upstream;
  upstream.add("Connection", "close, X-Internal");
  upstream.add("X-Internal", "secret");
  upstream.add("Keep-Alive", "timeout=5");
  upstream.add("Transfer-Encoding", "chunked");
  upstream.add("Date", "yesterday");
  upstream.add("Server", "Go");
  upstream.add("Content-Length", "10");
  upstream.add("Set-Cookie", "a=1");
  upstream.add("Set-Cookie", "b=2");
  Headers client;
  copy_response_headers(upstream, false, &client);
  ASSERT_EQ(client.fields().size(), 2u);
  EXPECT_EQ(client.fields()[0].second, "a=1");
  EXPECT_EQ(client.fields()[1].second, "b=2");
  Headers with_length;
  copy_response_headers(upstream, true, &with_length);
  EXPECT_NE(with_length.find("Content-Length"), nullptr);
}

}  // namespace
}  // namespace hearth
