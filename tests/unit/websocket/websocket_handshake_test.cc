#include "worker/websocket/handshake.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

Request upgrade_request() {
  Request r;
  r.method = "GET";
  r.target = r.path = "/socket";
  r.headers.add("Host", "127.0.0.1:3000");
  r.headers.add("Upgrade", "websocket");
  r.headers.add("Connection", "Upgrade");
  r.headers.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  r.headers.add("Sec-WebSocket-Version", "13");
  return r;
}

// Runs the check expecting a rejection; returns the response.
Response rejected(const Request& r) {
  std::string key;
  Response resp;
  EXPECT_FALSE(check_websocket_upgrade(r, &key, &resp));
  EXPECT_TRUE(key.empty());
  return resp;
}

TEST(WebSocketHandshake, AcceptsAValidRequestAndReturnsTheKey) {
  std::string key;
  Response resp;
  EXPECT_TRUE(check_websocket_upgrade(upgrade_request(), &key, &resp));
  EXPECT_EQ(key, "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(WebSocketHandshake, AcceptsTokenListsInAnyCase) {
  Request r = upgrade_request();
  r.headers.set("Connection", "keep-alive, UPGRADE");
  r.headers.set("Upgrade", "WebSocket");
  std::string key;
  Response resp;
  EXPECT_TRUE(check_websocket_upgrade(r, &key, &resp));
}

TEST(WebSocketHandshake, PlainGetGets426WithUpgradeHeader) {
  Request r = upgrade_request();
  r.headers.remove("Upgrade");
  EXPECT_FALSE(wants_websocket_upgrade(r));
  Response resp = rejected(r);
  EXPECT_EQ(resp.status, 426);
  ASSERT_TRUE(resp.headers.has("Upgrade"));
  EXPECT_EQ(*resp.headers.find("Upgrade"), "websocket");
  EXPECT_EQ(*resp.headers.find("Sec-WebSocket-Version"), "13");
}

TEST(WebSocketHandshake, WrongOrMissingVersionGets426WithVersion13) {
  for (const char* v : {"8", "12", "14", ""}) {
    Request r = upgrade_request();
    if (*v) r.headers.set("Sec-WebSocket-Version", v); else r.headers.remove("Sec-WebSocket-Version");
    Response resp = rejected(r);
    EXPECT_EQ(resp.status, 426) << v;
    ASSERT_TRUE(resp.headers.has("Sec-WebSocket-Version")) << v;
    EXPECT_EQ(*resp.headers.find("Sec-WebSocket-Version"), "13");
  }
}

TEST(WebSocketHandshake, MissingOrMalformedKeyGets400) {
  const char* bad_keys[] = {
      "",                          // empty
      "dGhlIHNhbXBsZSBub25jZQ",    // no padding
      "dGhlIHNhbXBsZSBub25jZQ=",   // 23 chars
      "dGhlIHNhbXBsZSBub25jZR==",  // non-zero padding bits
      "dGhlIHNhbXBsZSBub2!jZQ==",  // not base64
      "dGhlIHNhbXBsZSBub25jZQdGhl==",  // 19 bytes
  };
  for (const char* k : bad_keys) {
    Request r = upgrade_request();
    r.headers.set("Sec-WebSocket-Key", k);
    Response resp = rejected(r);
    EXPECT_EQ(resp.status, 400) << k;
    EXPECT_EQ(*resp.headers.find("Sec-WebSocket-Version"), "13");
  }
  Request r = upgrade_request();
  r.headers.remove("Sec-WebSocket-Key");
  EXPECT_EQ(rejected(r).status, 400);
}

TEST(WebSocketHandshake, OtherViolationsGet400) {
  Request post = upgrade_request();
  post.method = "POST";
  EXPECT_EQ(rejected(post).status, 400);

  Request http10 = upgrade_request();
  http10.http_minor = 0;
  EXPECT_EQ(rejected(http10).status, 400);

  Request no_host = upgrade_request();
  no_host.headers.remove("Host");
  EXPECT_EQ(rejected(no_host).status, 400);

  Request no_connection = upgrade_request();
  no_connection.headers.set("Connection", "keep-alive");
  EXPECT_EQ(rejected(no_connection).status, 400);
}

TEST(WebSocketHandshake, HeaderListsToken) {
  EXPECT_TRUE(header_lists_token("a, b ,c", "b"));
  EXPECT_TRUE(header_lists_token("Upgrade", "upgrade"));
  EXPECT_FALSE(header_lists_token("upgraded", "upgrade"));
  EXPECT_FALSE(header_lists_token("", "upgrade"));
}

}  // namespace
}  // namespace hearth
