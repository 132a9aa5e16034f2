// What a hostile client must not get: a redirect to another host, hearth's
// own config, pid file and logs, or the status page from outside. Also
// OPTIONS *, which asks about the server rather than a file.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/process/serve_fixture.h"
#include "tests/process/supervisor_config.h"
#include "tests/support/http_client.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

// ---- the directory redirect

class SiteSafetyRedirect : public ServeTest {
  void customize(nlohmann::json&) override {
    server_->dir().write("root/sub/index.html", "<h1>sub</h1>\n");
    server_->dir().write("root/a b%c/index.html", "<h1>odd</h1>\n");
  }
};

TEST_F(SiteSafetyRedirect, DoubleSlashTargetRedirectsOnThisHost) {
  HttpResponse r = get("//evil.example/..%2fsub");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("location"), "/sub/");
  EXPECT_EQ(r.body.find("evil"), std::string::npos) << r.body;
}

TEST_F(SiteSafetyRedirect, AbsoluteFormTargetRedirectsOnThisHost) {
  HttpResponse r = get("http://evil.example/sub");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("location"), "/sub/");
  EXPECT_EQ(get("http://evil.example/sub?x=1").header("location"), "/sub/?x=1");
}

TEST_F(SiteSafetyRedirect, LocationIsPercentEncodedAndLeadsToTheFolder) {
  HttpResponse r = get("/a%20b%25c?q=1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("location"), "/a%20b%25c/?q=1");
  EXPECT_EQ(get("/a%20b%25c/").body, "<h1>odd</h1>\n");
}

// ---- no root: no files

TEST(SiteSafety, WithoutARootNothingBesideTheConfigIsServed) {
  ServerProcess server;
  server.config().erase("root");
  server.dir().write("index.html", "<h1>not public</h1>\n");
  server.dir().write("access.log.1", "old log\n");
  server.dir().write("assets/app.js", "js\n");
  server.config()["mounts"] = {{"/public/", server.dir().path() + "/assets"}};
  ASSERT_TRUE(server.start()) << server.error_log();
  for (const char* path : {"/", "/index.html", "/hearth.json", "/error.log", "/access.log.1", "/root/"}) {
    EXPECT_EQ(http_get(server.port(), path).status, 404) << path;
  }
  EXPECT_EQ(http_get(server.port(), "/public/app.js").body, "js\n") << "mounts still serve";
  EXPECT_EQ(http_get(server.port(), "/json").status, 200) << "the app still answers";
}

// ---- hearth's own files inside a served folder

TEST(SiteSafety, RefusesToStartWhenTheRootHoldsThePidFile) {
  ServerProcess server;
  std::string pid_file = server.root() + "/run.pid";
  server.config()["supervisor"] = {{"pid_file", pid_file}};
  server.write_config();
  std::string output;
  EXPECT_EQ(run_hearth({"-c", server.config_path()}, &output, 10000), 1) << output;
  EXPECT_NE(output.find(server.config_path() + ": root \"" + server.root() + "\" contains the pid file " + pid_file +
                        "; hearth would serve it (move it, or set root to a folder of public files only)"),
            std::string::npos)
      << output;
  EXPECT_NE(access(pid_file.c_str(), F_OK), 0) << "refused before writing it";
  EXPECT_EQ(output.find("listening on"), std::string::npos) << output;
}

TEST(SiteSafety, RefusesARootThatHoldsTheConfigOrALog) {
  ServerProcess server;
  server.config()["root"] = server.dir().path();  // beside hearth.json and error.log
  server.write_config();
  std::string output;
  EXPECT_EQ(run_hearth({"-c", server.config_path()}, &output, 10000), 1) << output;
  EXPECT_NE(output.find("contains the config file " + server.config_path() + ";"), std::string::npos) << output;

  server.config()["root"] = server.root();
  server.config()["log"]["access"] = server.root() + "/logs/access.log";
  server.write_config();
  EXPECT_EQ(run_hearth({"-c", server.config_path()}, &output, 10000), 1) << output;
  EXPECT_NE(output.find("contains the access log " + server.root() + "/logs/access.log;"), std::string::npos)
      << output;
  // The flags are checked with the file: --root can cause it too.
  server.config()["log"]["access"] = "off";
  server.write_config();
  EXPECT_EQ(run_hearth({"-c", server.config_path(), "--root", server.dir().path()}, &output, 10000), 1) << output;
  EXPECT_NE(output.find(": --root \"" + server.dir().path() + "\" contains the config file"), std::string::npos)
      << output;
}

TEST(SiteSafety, TestFlagReportsTheServedFile) {
  ServerProcess server;
  server.dir().mkdir("assets");
  server.config()["mounts"] = {{"/files/", server.dir().path() + "/assets"}};
  server.config()["log"]["error"] = server.dir().path() + "/assets/error.log";
  server.write_config();
  std::string output;
  EXPECT_EQ(run_hearth({"-t", "-c", server.config_path()}, &output), 1) << output;
  EXPECT_NE(output.find("mounts[\"/files/\"] \"" + server.dir().path() + "/assets\" contains the error log"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("test failed"), std::string::npos) << output;
}

TEST(SiteSafety, ReloadIntoAServedLogKeepsTheOldConfig) {
  ServerProcess server;
  use_supervisor_config(server, 1);
  ASSERT_TRUE(server.start()) << server.error_log();
  std::vector<int> pids = wait_for_workers(server.port(), 1);
  ASSERT_EQ(pids.size(), 1u);
  std::string access_log = server.root() + "/access.log";
  server.config()["log"]["access"] = access_log;
  server.write_config();

  std::string output;
  EXPECT_EQ(run_hearth({"-c", server.config_path(), "-s", "reload"}, &output), 1) << output;
  std::string reason = "contains the access log " + access_log + ";";
  EXPECT_NE(output.find(reason), std::string::npos) << output;
  // The master, told directly, refuses it for the same reason.
  ASSERT_EQ(kill(server.pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually(5000, [&] { return server.error_log().find(reason) != std::string::npos; }))
      << server.error_log();

  EXPECT_EQ(http_get(server.port(), "/").body, "hello\n");
  EXPECT_EQ(status_pids(fetch_status(server.port())), pids);
  EXPECT_EQ(fetch_status(server.port())["generation"], 1);
  EXPECT_NE(access(access_log.c_str(), F_OK), 0) << "the old config has no access log";
}

// ---- /status and the drills

TEST(SiteSafety, StatusIsOffByDefault) {
  ServerProcess server;
  server.config()["open_file_cache"] = {{"valid", 0}};  // see the file appear at once
  ASSERT_TRUE(server.start()) << server.error_log();
  EXPECT_EQ(http_get(server.port(), "/status").status, 404);
  server.dir().write("root/status", "just a file\n");
  HttpResponse r = http_get(server.port(), "/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "just a file\n");
}

TEST(SiteSafety, StatusOnForLoopback) {
  ServerProcess server;
  server.config()["status"] = {{"path", "/status"}};
  server.dir().write("root/status", "just a file\n");
  ASSERT_TRUE(server.start()) << server.error_log();
  HttpResponse r = http_get(server.port(), "/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type").rfind("application/json", 0), 0u) << r.header("content-type");
  EXPECT_NE(r.body.find("\"workers\""), std::string::npos) << r.body;
}

TEST(SiteSafety, StatusAndDrillsRefuseClientsNotAllowed) {
  ServerProcess server;
  server.config()["status"] = {{"path", "/status"}, {"allow", {"10.0.0.0/8"}}};
  server.config()["drills"] = true;
  ASSERT_TRUE(server.start()) << server.error_log();
  EXPECT_EQ(http_get(server.port(), "/status").status, 403);
  EXPECT_EQ(http_get(server.port(), "/debug/sleep?ms=1").status, 403);
  EXPECT_EQ(http_get(server.port(), "/debug/exit").status, 403);
  EXPECT_EQ(http_get(server.port(), "/json").status, 200);
}

// ---- OPTIONS *

TEST(SiteSafety, OptionsStarAnswersForTheServer) {
  ServerProcess server;
  ASSERT_TRUE(server.start()) << server.error_log();
  Client c;
  ASSERT_TRUE(c.connect(server.port()));
  ASSERT_TRUE(c.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("allow"), "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
  EXPECT_EQ(r.header("content-length"), "0");
  EXPECT_EQ(r.body, "");
  HttpResponse next;
  ASSERT_TRUE(c.read_response(&next)) << "the connection stays usable";
  EXPECT_EQ(next.status, 404);
}

}  // namespace
}  // namespace hearth::test
