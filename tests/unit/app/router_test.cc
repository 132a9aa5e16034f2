#include "worker/app/router.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace hearth {
namespace {

Handler tag(std::string name) {
  return [name](const Request&, Response& res) { res.body = name; };
}

std::string run(const Router& r, const std::string& method, const std::string& path) {
  Router::Match m = r.match(method, path);
  if (m.outcome == Router::Outcome::kNotFound) return "404";
  if (m.outcome == Router::Outcome::kMethodNotAllowed) return "405 " + m.allow;
  Request req;
  req.params = m.params;
  Response res;
  (*m.handler)(req, res);
  for (const auto& p : m.params) res.body += " " + p.first + "=" + p.second;
  return res.body;
}

TEST(Router, ExactParamsAndPrefixPrecedence) {
  Router r;
  r.get("/api/*", tag("prefix"));
  r.get("/api/v1/*", tag("longer-prefix"));
  r.get("/api/users/:id", tag("param"));
  r.get("/api/users/me", tag("exact"));
  EXPECT_EQ(run(r, "GET", "/api/users/me"), "exact");
  EXPECT_EQ(run(r, "GET", "/api/users/42"), "param id=42");
  EXPECT_EQ(run(r, "GET", "/api/other"), "prefix");
  EXPECT_EQ(run(r, "GET", "/api/"), "prefix");
  EXPECT_EQ(run(r, "GET", "/api/v1/x"), "longer-prefix");
  EXPECT_EQ(run(r, "GET", "/apix"), "404");
  EXPECT_EQ(run(r, "GET", "/api/users/"), "prefix") << "an empty :param does not match";
}

TEST(Router, MethodsAndHead) {
  Router r;
  r.get("/json", tag("get"));
  r.post("/json", tag("post"));
  r.add("DELETE", "/thing", tag("delete"));
  EXPECT_EQ(run(r, "GET", "/json"), "get");
  EXPECT_EQ(run(r, "HEAD", "/json"), "get");
  EXPECT_EQ(run(r, "POST", "/json"), "post");
  EXPECT_EQ(run(r, "PUT", "/json"), "405 GET, HEAD, POST");
  EXPECT_EQ(run(r, "GET", "/thing"), "405 DELETE");
}

TEST(Router, AnyMethodAndSeveralParams) {
  Router r;
  r.any("/hook", tag("any"));
  r.get("/a/:x/b/:y", tag("two"));
  EXPECT_EQ(run(r, "PATCH", "/hook"), "any");
  EXPECT_EQ(run(r, "GET", "/a/1/b/2"), "two x=1 y=2");
  EXPECT_EQ(run(r, "GET", "/a/1/c/2"), "404");
}

TEST(Router, EmptySegmentsAndTrailingSlash) {
  Router r;
  r.get("/users/:id", tag("user"));
  r.get("/users/:id/", tag("user-slash"));
  r.get("/files/:name/raw", tag("raw"));
  EXPECT_EQ(run(r, "GET", "/users/7"), "user id=7");
  EXPECT_EQ(run(r, "GET", "/users/7/"), "user-slash id=7") << "a trailing '/' is a segment of its own";
  EXPECT_EQ(run(r, "GET", "/users/"), "404") << "an empty :param does not match";
  EXPECT_EQ(run(r, "GET", "/users//"), "404");
  EXPECT_EQ(run(r, "GET", "/users"), "404");
  EXPECT_EQ(run(r, "GET", "/users/7/x"), "404");
  EXPECT_EQ(run(r, "GET", "/files/a/raw"), "raw name=a");
  EXPECT_EQ(run(r, "GET", "/files//raw"), "404");
  EXPECT_EQ(run(r, "GET", "/files/a/RAW"), "404") << "literals compare case-sensitively";
  EXPECT_EQ(run(r, "GET", "users/7"), "404") << "a path not starting with '/'";
  EXPECT_EQ(run(r, "GET", ""), "404");
}

TEST(Router, ParamRoutesInOrderAndRepeatedNames) {
  Router r;
  r.get("/a/:x", tag("first"));
  r.get("/a/:y", tag("second"));
  r.get("/b/:v/:v", tag("twice"));
  EXPECT_EQ(run(r, "GET", "/a/1"), "first x=1") << "the route added first wins";
  EXPECT_EQ(run(r, "GET", "/b/1/2"), "twice v=2") << "a name given twice keeps its last value";
}

TEST(Router, ParamsOnlyForTheWinner) {
  Router r;
  r.post("/items/:id", tag("post"));
  r.get("/items/:name", tag("get"));
  Router::Match m = r.match("GET", "/items/5");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.params, (std::map<std::string, std::string>{{"name", "5"}}));
  EXPECT_TRUE(r.match("GET", "/items").params.empty());
}

TEST(Router, HeadOnlyThroughGet) {
  Router r;
  r.post("/p", tag("post"));
  r.get("/g/:id", tag("get"));
  r.get("/static/*", tag("prefix"));
  EXPECT_EQ(run(r, "HEAD", "/g/1"), "get id=1");
  EXPECT_EQ(run(r, "HEAD", "/static/x"), "prefix");
  EXPECT_EQ(run(r, "HEAD", "/p"), "405 POST");
}

TEST(Router, AllowListsEveryKindInTheOrderAdded) {
  Router r;
  r.add("PUT", "/api/*", tag("put-prefix"));
  r.post("/api/users/:id", tag("post-param"));
  r.add("DELETE", "/api/users/7", tag("delete-exact"));
  r.get("/api/users/7", tag("get-exact"));
  r.any("/hook", tag("any"));
  EXPECT_EQ(run(r, "PATCH", "/api/users/7"), "405 PUT, POST, DELETE, GET, HEAD");
  EXPECT_EQ(run(r, "PATCH", "/api/users/8"), "405 PUT, POST");
  EXPECT_EQ(run(r, "PATCH", "/api/x"), "405 PUT");
  EXPECT_EQ(run(r, "DELETE", "/api/users/7"), "delete-exact");
  EXPECT_EQ(run(r, "POST", "/api/users/7"), "post-param id=7") << "an exact route of another method does not hide it";
  EXPECT_EQ(run(r, "PUT", "/api/users/7"), "put-prefix");
  EXPECT_EQ(run(r, "PATCH", "/other"), "404");
  EXPECT_EQ(run(r, "PATCH", "/hook"), "any");
}

TEST(Router, LongestPrefixWinsThenTheFirstAdded) {
  Router r;
  r.get("/a/*", tag("a"));
  r.post("/a/b/c/*", tag("post-abc"));
  r.get("/a/b/*", tag("ab"));
  r.any("/a/b/*", tag("ab-any"));
  r.get("/*", tag("root"));
  EXPECT_EQ(run(r, "GET", "/a/b/c/d"), "ab") << "the longer POST prefix is not for GET";
  EXPECT_EQ(run(r, "PUT", "/a/b/x"), "ab-any");
  EXPECT_EQ(run(r, "POST", "/a/b/c/d"), "post-abc");
  EXPECT_EQ(run(r, "GET", "/a/"), "a");
  EXPECT_EQ(run(r, "GET", "/a"), "root") << "\"/a/*\" needs the '/'";
  EXPECT_EQ(run(r, "GET", "/"), "root");
}

TEST(Router, ExactRoutesOfOnePathInOrder) {
  Router r;
  r.get("/x", tag("first"));
  r.any("/x", tag("any"));
  r.get("/x", tag("second"));
  EXPECT_EQ(run(r, "GET", "/x"), "first");
  EXPECT_EQ(run(r, "POST", "/x"), "any");
  EXPECT_EQ(run(r, "GET", "/x/"), "404");
}

TEST(Router, CopiesMatchLikeTheOriginal) {
  Router r;
  r.get("/x", tag("x"));
  r.get("/u/:id", tag("u"));
  Router copy = r;
  r = Router();
  EXPECT_EQ(run(copy, "GET", "/x"), "x");
  EXPECT_EQ(run(copy, "GET", "/u/1"), "u id=1");
}

}  // namespace
}  // namespace hearth
