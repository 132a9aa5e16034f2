#include "worker/http/https_redirect.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

Request request(const std::string& target, const std::string& host) {
  Request req;
  req.method = "GET";
  req.target = target;
  if (!host.empty()) req.headers.add("Host", host);
  return req;
}

TEST(HttpsRedirect, SameHostAndTargetOnTheHttpsPort) {
  EXPECT_EQ(https_location(request("/a/b?c=1", "example.com"), 443), "https://example.com/a/b?c=1");
  EXPECT_EQ(https_location(request("/", "example.com:80"), 8443), "https://example.com:8443/");
  EXPECT_EQ(https_location(request("/x", "[::1]:8080"), 443), "https://[::1]/x");
  EXPECT_EQ(https_location(request("/x", "[::1]"), 443), "https://[::1]/x");
}

TEST(HttpsRedirect, AbsoluteFormNamesItsOwnHost) {
  EXPECT_EQ(https_location(request("http://a.test/p?q", "b.test"), 443), "https://a.test/p?q");
  EXPECT_EQ(https_location(request("http://a.test", "b.test"), 443), "https://a.test/");
}

TEST(HttpsRedirect, NoValidHostNoRedirect) {
  EXPECT_EQ(https_location(request("/", ""), 443), "");
  EXPECT_EQ(https_location(request("/", "evil.test/path"), 443), "");
  EXPECT_EQ(https_location(request("/", "a.test,b.test"), 443), "");
  Response res;
  answer_https_redirect(request("/", ""), 443, &res);
  EXPECT_EQ(res.status, 400);
  answer_https_redirect(request("/x", "a.test"), 443, &res);
  EXPECT_EQ(res.status, 301);
}

}  // namespace
}  // namespace hearth
