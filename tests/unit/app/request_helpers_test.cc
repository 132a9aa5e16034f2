// The request and response helpers of the public API.
#include <gtest/gtest.h>
#include <hearth/hearth.h>

#include "worker/app/cookies.h"
#include "worker/app/url_encoded.h"

namespace hearth {
namespace {

TEST(UrlEncoded, DecodesPlusPercentAndKeepsTheFirstValue) {
  Params p = parse_url_encoded("a=1&b=x+y&c=%41%2f&a=2&&flag&bad=%zz");
  EXPECT_EQ(p.at("a"), "1");
  EXPECT_EQ(p.at("b"), "x y");
  EXPECT_EQ(p.at("c"), "A/");
  EXPECT_EQ(p.at("flag"), "");
  EXPECT_EQ(p.at("bad"), "%zz");
  EXPECT_EQ(p.size(), 5u);
}

TEST(RequestHelpers, QueryFormCookiesAndJson) {
  Request req;
  req.query = "limit=5&q=hello%20world";
  EXPECT_EQ(req.query_param("limit"), "5");
  EXPECT_EQ(req.query_param("q"), "hello world");
  EXPECT_EQ(req.query_param("none", "10"), "10");
  EXPECT_FALSE(req.find_query_param("none"));

  req.headers.add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  req.body = "email=a%40b.example&name=A+B";
  EXPECT_EQ(req.form_param("email"), "a@b.example");
  EXPECT_EQ(req.form().at("name"), "A B");

  req.headers.add("Cookie", "session=abc; theme=\"dark\"");
  req.headers.add("Cookie", "session=second; lang=en");
  EXPECT_EQ(req.cookie("session").value(), "abc");
  EXPECT_EQ(req.cookie("theme").value(), "dark");
  EXPECT_EQ(req.cookie("lang").value(), "en");
  EXPECT_FALSE(req.cookie("missing"));

  req.headers.set("Content-Type", "application/json");
  EXPECT_TRUE(req.form().empty()) << "a JSON body is not a form";
  req.body = "{\"n\": 3}";
  EXPECT_EQ(req.json().at("n"), 3);
  EXPECT_TRUE(req.wants_json());
  req.body = "{not json";
  try {
    req.json();
    FAIL() << "bad JSON must throw";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 400);
  }
}

TEST(HeaderHelpers, IequalsFoldsAsciiOnlyAtAnyLength) {
  EXPECT_TRUE(iequals("", ""));
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_TRUE(iequals("STRICT-TRANSPORT-SECURITY", "strict-transport-security"));
  EXPECT_TRUE(iequals("Accept-Encoding", "Accept-Encoding"));
  EXPECT_FALSE(iequals("Accept-Encodinh", "Accept-Encoding")) << "a difference in the tail after 8-byte words";
  EXPECT_FALSE(iequals("Bccept-Encoding", "Accept-Encoding")) << "a difference in the first word";
  EXPECT_FALSE(iequals("Content-Type", "Content-Typ"));
  EXPECT_FALSE(iequals("[", "{")) << "'[' is not an upper-case '{'";
  EXPECT_FALSE(iequals("abcdefgh@", "abcdefgh`"));
  EXPECT_FALSE(iequals("\xc3\x84", "\xc3\xa4")) << "no folding beyond ASCII";
  Headers h;
  h.add("X-Long-Header-Name-Here", "1");
  EXPECT_EQ(*h.find("x-long-header-name-HERE"), "1");
}

TEST(ResponseHelpers, JsonAndTextBodies) {
  Response res;
  res.body = "old";
  res.json({{"hello", "w\xc3\xb6rld"}, {"n", 1}}, 201);
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "{\"hello\":\"w\xc3\xb6rld\",\"n\":1}\n") << "compact, UTF-8 as it is, one newline";
  EXPECT_EQ(*res.headers.find("Content-Type"), "application/json");
  res.json(nlohmann::json("bad \xff byte"));
  EXPECT_EQ(res.body, "\"bad \xef\xbf\xbd byte\"\n") << "invalid UTF-8 becomes U+FFFD";
  EXPECT_EQ(res.headers.fields().size(), 1u);
  res.text("plain");
  EXPECT_EQ(res.body, "plain");
  EXPECT_EQ(res.headers.fields(), (std::vector<Headers::Field>{{"Content-Type", "text/plain; charset=utf-8"}}));
}

TEST(ResponseHelpers, RedirectAndCookies) {
  Response res;
  res.redirect("/login");
  EXPECT_EQ(res.status, 302);
  EXPECT_EQ(*res.headers.find("Location"), "/login");
  EXPECT_THROW(res.redirect("/a\r\nSet-Cookie: x=1"), std::invalid_argument);
  EXPECT_THROW(res.redirect("/a", 200), std::invalid_argument);

  CookieOptions o;
  o.max_age = 3600;
  o.secure = true;
  res.set_cookie("session", "abc123", o);
  EXPECT_EQ(*res.headers.find("Set-Cookie"), "session=abc123; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax");
  EXPECT_THROW(res.set_cookie("bad name", "x"), std::invalid_argument);
  EXPECT_THROW(res.set_cookie("n", "a;b"), std::invalid_argument);
  o.path = "/x; Domain=evil";
  EXPECT_THROW(res.set_cookie("n", "v", o), std::invalid_argument);
}

TEST(AppRoutes, BadPatternsFailInMain) {
  App app;
  EXPECT_THROW(app.get("no-slash", [](const Request&, Response&) {}), std::invalid_argument);
  EXPECT_THROW(app.route("GE T", "/x", [](const Request&, Response&) {}), std::invalid_argument);
  EXPECT_THROW(app.get("/users/:", [](const Request&, Response&) {}), std::invalid_argument);
  app.get("/a", [](const Request&, Response&) {}).del("/a", [](const Request&, Response&) {});
  EXPECT_EQ(app.routes().size(), 2u);
  EXPECT_EQ(app.routes()[1].method, "DELETE");
}

}  // namespace
}  // namespace hearth
