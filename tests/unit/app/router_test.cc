#include "worker/app/router.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hearth
