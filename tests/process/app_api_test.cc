// The public API through a real server: an app built on <hearth/hearth.h>
// alone (tests/process/test_app) answers with the request helpers, its
// errors follow the request (JSON for JSON clients, HTML for the rest), a
// header that would split the response is refused, and the worker-start
// hook runs once in each worker, after the fork.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

const std::vector<std::string> kAcceptJson = {"Accept: application/json"};

class AppApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string app = std::filesystem::path(hearth_binary()).parent_path().string() + "/tests/test_app_v1";
    ASSERT_TRUE(std::filesystem::exists(app)) << app << " is built by `make test`";
    server_.set_binary(app);
    server_.config()["workers"] = 2;
    server_.dir().write("root/index.html", "index\n");
    ASSERT_TRUE(server_.start()) << server_.error_log();
  }

  HttpResponse get(const std::string& target, const std::vector<std::string>& headers = {}) {
    return http_get(server_.port(), target, headers);
  }
  HttpResponse send(const std::string& method, const std::string& target, const std::vector<std::string>& headers,
                    const std::string& body) {
    return http_request(server_.port(), method, target, headers, body);
  }
  nlohmann::json json_of(const HttpResponse& r) { return nlohmann::json::parse(r.body, nullptr, false); }

  ServerProcess server_;
};

TEST_F(AppApiTest, QueryParametersAreDecoded) {
  HttpResponse r = get("/api/query?limit=5&q=a+b%21&limit=7");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json_of(r), (nlohmann::json{{"limit", "5"}, {"q", "a b!"}, {"has_page", false}}));
  EXPECT_EQ(json_of(get("/api/query?page"))["limit"], "10");
  EXPECT_EQ(json_of(get("/api/query?page"))["has_page"], true);
}

TEST_F(AppApiTest, FormBodiesAreDecoded) {
  HttpResponse r = send("POST", "/api/form", {"Content-Type: application/x-www-form-urlencoded"}, "email=a%40b.c&x=1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json_of(r), (nlohmann::json{{"email", "a@b.c"}, {"fields", 2}}));
  // Another content type is not a form, whatever its bytes.
  EXPECT_EQ(json_of(send("POST", "/api/form", {"Content-Type: text/plain"}, "email=x"))["fields"], 0);
}

TEST_F(AppApiTest, JsonBodiesAreParsedAndBadJsonIsA400) {
  HttpResponse r = send("POST", "/api/json", {"Content-Type: application/json"}, R"({"name":"ada"})");
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(json_of(r), (nlohmann::json{{"name", "ada"}}));
  HttpResponse bad = send("POST", "/api/json", {"Content-Type: application/json"}, R"({"name":)");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.header("content-type").find("application/json"), std::string::npos);
  EXPECT_EQ(json_of(bad)["status"], 400);
}

TEST_F(AppApiTest, CookiesAreReadAndSetWithTheirAttributes) {
  HttpResponse r = get("/api/cookie", {"Cookie: theme=dark; session=\"abc\"; other=1"});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json_of(r)["session"], "abc");
  EXPECT_EQ(r.header("set-cookie"), "seen=yes; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
  EXPECT_EQ(json_of(get("/api/cookie"))["session"], "none");
}

TEST_F(AppApiTest, RoutesByMethodAndRedirects) {
  EXPECT_EQ(send("PUT", "/api/item/7", {}, "x").body, "put 7");
  EXPECT_EQ(send("PATCH", "/api/item/7", {}, "x").body, "patch 7");
  EXPECT_EQ(send("DELETE", "/api/item/7", {}, "").status, 204);
  HttpResponse wrong = send("POST", "/api/item/7", {}, "x");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_NE(wrong.header("allow").find("PUT"), std::string::npos) << wrong.header("allow");
  HttpResponse moved = get("/api/redirect");
  EXPECT_EQ(moved.status, 303);
  EXPECT_EQ(moved.header("location"), "/version");
  EXPECT_EQ(get("/index.html").body, "index\n");  // files still come first
}

TEST_F(AppApiTest, AThrowingRouteGetsAJson500WhenTheRequestIsJson) {
  HttpResponse by_accept = get("/api/throw", kAcceptJson);
  EXPECT_EQ(by_accept.status, 500);
  EXPECT_NE(by_accept.header("content-type").find("application/json"), std::string::npos);
  EXPECT_EQ(json_of(by_accept)["status"], 500);
  HttpResponse by_content_type = get("/api/throw", {"Content-Type: application/json"});
  EXPECT_EQ(by_content_type.status, 500);
  EXPECT_EQ(json_of(by_content_type)["status"], 500);
  HttpResponse browser = get("/api/throw", {"Accept: text/html,application/xhtml+xml,*/*;q=0.8"});
  EXPECT_EQ(browser.status, 500);
  EXPECT_NE(browser.header("content-type").find("text/html"), std::string::npos);
  // The exception's message is for the log, not for the client.
  for (const HttpResponse* r : {&by_accept, &by_content_type, &browser}) {
    EXPECT_EQ(r->body.find("secret"), std::string::npos) << r->body;
  }
  EXPECT_TRUE(server_.wait_for_log("a secret the client must not see", 3000));
  EXPECT_EQ(get("/version").body, "v1");
}

TEST_F(AppApiTest, AnHttpErrorAnswersWithItsStatusAndMessage) {
  HttpResponse json = get("/api/http-error", kAcceptJson);
  EXPECT_EQ(json.status, 422);
  EXPECT_EQ(json_of(json),
            (nlohmann::json{{"error", "Unprocessable Content"}, {"status", 422}, {"message", "widget <b> is not valid"}}));
  HttpResponse html = get("/api/http-error");
  EXPECT_EQ(html.status, 422);
  EXPECT_NE(html.body.find("widget &lt;b&gt; is not valid"), std::string::npos) << html.body;
  EXPECT_EQ(html.body.find("<b>"), std::string::npos);
}

TEST_F(AppApiTest, AHeaderThatWouldSplitTheResponseIsA500) {
  HttpResponse fine = get("/api/header?value=plain");
  EXPECT_EQ(fine.status, 200);
  EXPECT_EQ(fine.header("x-echo"), "plain");
  for (const char* attack : {"a%0D%0ASet-Cookie:%20x=1", "a%0ASet-Cookie:%20x=1", "a%0D%0A%0D%0Abody", "a%00b"}) {
    HttpResponse r = get(std::string("/api/header?value=") + attack);
    EXPECT_EQ(r.status, 500) << attack;
    EXPECT_FALSE(r.has("set-cookie")) << attack;
    EXPECT_FALSE(r.has("x-echo")) << attack;
  }
  EXPECT_EQ(get("/version").body, "v1");
}

TEST_F(AppApiTest, TheWorkerStartHookRunsOnceInEachWorker) {
  // Which worker accepts is the kernel's choice: every answer, from either, must hold.
  for (int i = 0; i < 20; i++) {
    nlohmann::json w = json_of(get("/api/worker"));
    ASSERT_EQ(w["starts"], 1) << w;
    ASSERT_EQ(w["hook_pid"], w["pid"]) << w;
    EXPECT_NE(w["pid"], server_.pid());
  }
}

}  // namespace
}  // namespace hearth::test
