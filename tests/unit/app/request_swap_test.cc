#include <hearth/request.h>

#include <gtest/gtest.h>

namespace hearth {
namespace {

Request filled(const std::string& tag) {
  Request r;
  r.method = "POST" + tag;
  r.target = "/t" + tag + "?q=1";
  r.path = "/t" + tag;
  r.query = "q=" + tag;
  r.http_major = 1;
  r.http_minor = tag.size() % 2 == 0 ? 0 : 1;
  r.headers.add("Host", "h" + tag);
  r.body = std::string(100, 'b') + tag;
  r.params["id"] = tag;
  r.remote_addr = "10.0.0." + tag;
  r.secure = tag.size() % 2 == 1;
  return r;
}

void expect_same(const Request& a, const Request& b) {
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.query, b.query);
  EXPECT_EQ(a.http_major, b.http_major);
  EXPECT_EQ(a.http_minor, b.http_minor);
  EXPECT_EQ(a.headers.fields(), b.headers.fields());
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.remote_addr, b.remote_addr);
  EXPECT_EQ(a.secure, b.secure);
}

TEST(RequestSwap, ExchangesEveryMember) {
  Request a = filled("1");
  Request b = filled("22");
  a.swap(b);
  expect_same(a, filled("22"));
  expect_same(b, filled("1"));
}

TEST(RequestSwap, WithAnEmptyOneLeavesItCleared) {
  Request a = filled("1");
  Request empty;
  empty.swap(a);
  expect_same(empty, filled("1"));
  expect_same(a, Request());
}

}  // namespace
}  // namespace hearth
