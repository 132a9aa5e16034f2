// The route step on a real Worker (no socket): OPTIONS *, the directory
// redirect's Location, the operator routes' allow list, and a config
// without a root.
#include "worker/http/dispatch.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/temp_dir.h"
#include "worker/routes/status_route.h"
#include "worker/worker.h"

namespace hearth {
namespace {

class DispatchTest : public ::testing::Test {
 protected:
  DispatchTest() {
    dir_.write("root/index.html", "home\n");
    dir_.write("root/sub/index.html", "sub\n");
    dir_.write("root/a b%c/index.html", "odd\n");
    dir_.write("root/status", "a file named status\n");
    dir_.write("root/debug/segv", "a file named segv\n");
    dir_.write("assets/app.js", "js\n");
    config_.root = dir_.path() + "/root";
    config_.mounts = {{"/public/", dir_.path() + "/assets"}};
  }

  // The request the parser would hand over for `target` (origin or
  // absolute form), from `remote`.
  Response run(const std::string& method, const std::string& target, const std::string& remote = "127.0.0.1") {
    if (!worker_) {
      worker_ = std::make_unique<Worker>(config_, WorkerIdentity{1, 1});
      if (!config_.status.path.empty()) register_status_route(worker_->router(), nullptr, config_.status.path);
    }
    Request req;
    req.method = method;
    req.target = target;
    size_t start = 0;
    if (target.compare(0, 7, "http://") == 0) start = target.find('/', 7);
    size_t q = target.find('?', start);
    req.path = target.substr(start, q == std::string::npos ? std::string::npos : q - start);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.remote_addr = remote;
    Response res;
    dispatch(*worker_, req, &res, -1);
    return res;
  }
  static std::string header(const Response& res, const std::string& name) {
    const std::string* value = res.headers.find(name);
    return value != nullptr ? *value : "(none)";
  }

  test::TempDir dir_;
  Config config_;
  std::unique_ptr<Worker> worker_;
};

TEST_F(DispatchTest, OptionsStarDescribesTheServer) {
  Response res = run("OPTIONS", "*");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(header(res, "Allow"), "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
  EXPECT_EQ(res.body_length(), 0u);
  EXPECT_EQ(run("GET", "*").status, 400) << "'*' is a target for OPTIONS only";
}

TEST_F(DispatchTest, FolderRedirectStaysOnThisHost) {
  Response res = run("GET", "//evil.example/..%2fsub");
  EXPECT_EQ(res.status, 301);
  EXPECT_EQ(header(res, "Location"), "/sub/");
  res = run("GET", "http://evil.example/sub");
  EXPECT_EQ(res.status, 301);
  EXPECT_EQ(header(res, "Location"), "/sub/");
  EXPECT_EQ(header(run("GET", "/sub?x=1&y=%2F"), "Location"), "/sub/?x=1&y=%2F") << "the raw query is kept";
  EXPECT_EQ(header(run("GET", "///sub"), "Location"), "/sub/");
  EXPECT_EQ(header(run("GET", "/./sub"), "Location"), "/sub/");
}

TEST_F(DispatchTest, FolderRedirectEncodesItsPath) {
  Response res = run("GET", "/a%20b%25c");
  EXPECT_EQ(res.status, 301);
  EXPECT_EQ(header(res, "Location"), "/a%20b%25c/");
  EXPECT_EQ(res.body.find("a b"), std::string::npos) << res.body;
  EXPECT_EQ(run("GET", "/a%20b%25c/").status, 200);
}

TEST_F(DispatchTest, NoStatusRouteByDefault) {
  Response res = run("GET", "/status");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body_length(), std::string("a file named status\n").size()) << "the file is served";
  EXPECT_EQ(run("GET", "/debug/segv").status, 200) << "drills are off: the file is served";
}

TEST_F(DispatchTest, StatusRouteAnswersOnlyAllowedClients) {
  config_.status.path = "/status";
  EXPECT_EQ(run("GET", "/status").status, 503) << "the route (no status table here), not the file";
  EXPECT_EQ(run("GET", "/status", "::1").status, 503);
  EXPECT_EQ(run("GET", "/status", "::ffff:127.0.0.1").status, 503);
  EXPECT_EQ(run("GET", "/status", "192.0.2.1").status, 403);
  EXPECT_EQ(run("GET", "/status", "-").status, 403);
  EXPECT_EQ(run("GET", "/index.html", "192.0.2.1").status, 200) << "other paths are public";
}

TEST_F(DispatchTest, StatusPathAndAllowListAreConfigurable) {
  config_.status.path = "/_hearth/status";
  config_.status.allow = AddressAllowList();
  std::string error;
  ASSERT_TRUE(config_.status.allow.add("10.0.0.0/8", &error)) << error;
  EXPECT_EQ(run("GET", "/_hearth/status", "10.1.2.3").status, 503);
  EXPECT_EQ(run("GET", "/_hearth/status", "127.0.0.1").status, 403);
  EXPECT_EQ(run("GET", "/status", "127.0.0.1").status, 200) << "the old path is just the file";
}

TEST_F(DispatchTest, DrillsFollowTheStatusAllowList) {
  config_.drills = true;
  EXPECT_EQ(run("GET", "/debug/segv", "192.0.2.1").status, 403);
  EXPECT_EQ(run("GET", "/debug/throw", "192.0.2.1").status, 403);
  EXPECT_EQ(run("GET", "/debug/no-such-drill", "127.0.0.1").status, 404) << "routes only, no files";
  EXPECT_EQ(run("GET", "/debug/throw", "127.0.0.1").status, 500) << "the drill ran";
}

TEST_F(DispatchTest, NoRootServesMountsAndTheAppOnly) {
  config_.root.clear();
  EXPECT_EQ(run("GET", "/").status, 404);
  EXPECT_EQ(run("GET", "/index.html").status, 404);
  EXPECT_EQ(run("GET", "/sub").status, 404);
  EXPECT_EQ(run("GET", "/public/app.js").status, 200);
}

}  // namespace
}  // namespace hearth
