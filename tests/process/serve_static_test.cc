// Static files the nginx way, driven over real sockets.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/process/serve_fixture.h"

namespace hearth::test {
namespace {

using StaticFilesTest = ServeTest;

TEST_F(StaticFilesTest, ServesFileWithNginxHeaders) {
  HttpResponse r = get("/hello.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world\n");
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.header("content-length"), "12");
  EXPECT_EQ(r.header("accept-ranges"), "bytes");
  EXPECT_EQ(r.header("server"), "hearth");
  EXPECT_TRUE(r.has("date"));
  EXPECT_TRUE(r.has("last-modified"));
  struct stat st;
  ASSERT_EQ(stat((server_->root() + "/hello.txt").c_str(), &st), 0);
  char etag[64];
  snprintf(etag, sizeof etag, "\"%lx-%lx\"", static_cast<long>(st.st_mtime), static_cast<long>(st.st_size));
  EXPECT_EQ(r.header("etag"), etag);
}

TEST_F(StaticFilesTest, IndexAndDirectoryRedirects) {
  EXPECT_EQ(get("/").body, "<h1>home</h1>\n");
  HttpResponse r = get("/docs?x=1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("location"), "/docs/?x=1");
  EXPECT_EQ(get("/docs/").body, "<h1>docs</h1>\n");
  // A directory without an index falls through to the app: no route -> 404.
  EXPECT_EQ(get("/empty/").status, 404);
}

TEST_F(StaticFilesTest, MountStripsPrefix) {
  HttpResponse r = get("/public/app.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log('mounted');\n");
  EXPECT_NE(r.header("content-type").find("javascript"), std::string::npos);
  EXPECT_EQ(get("/public/missing.js").status, 404);
}

TEST_F(StaticFilesTest, LargeFileArrivesWhole) {
  HttpResponse r = get("/big.bin");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), big_body().size());
  EXPECT_TRUE(r.body == big_body());
}

TEST_F(StaticFilesTest, SlowReaderGetsEveryByte) {
  Client c;
  ASSERT_TRUE(c.connect(port_, 3000, 16384));
  ASSERT_TRUE(c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
  usleep(300 * 1000);  // let the server hit a full socket
  HttpResponse r;
  ASSERT_TRUE(c.read_response(&r, 20000));
  EXPECT_TRUE(r.body == big_body());
  // The same connection still serves.
  ASSERT_TRUE(c.send("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.body, "hello world\n");
}

TEST_F(StaticFilesTest, TraversalIsRefused) {
  for (const char* target : {"/../outside.txt", "/%2e%2e/outside.txt", "/docs/..%2f..%2foutside.txt",
                             "/%2E%2E%2Foutside.txt", "/a/../../outside.txt"}) {
    HttpResponse r = get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.body.find("outside the root"), std::string::npos) << target;
  }
  EXPECT_EQ(get("/hello%00.txt").status, 400);
  EXPECT_EQ(get("/hello%zz.txt").status, 400);
  // Dot segments that stay inside resolve normally.
  EXPECT_EQ(get("/docs/../hello.txt").body, "hello world\n");
  EXPECT_EQ(get("//docs/./index.html").body, "<h1>docs</h1>\n");
}

TEST_F(StaticFilesTest, HiddenFilesAreNotServedButWellKnownIs) {
  EXPECT_EQ(get("/.secret").status, 404);
  EXPECT_EQ(get("/%2esecret").status, 404);
  EXPECT_EQ(get("/.well-known/security.txt").body, "Contact: nobody\n");
}

TEST_F(StaticFilesTest, SymlinkOutOfRootIsNotServed) {
  std::string link = server_->root() + "/escape.txt";
  ASSERT_EQ(symlink((server_->dir().path() + "/outside.txt").c_str(), link.c_str()), 0);
  std::string inner = server_->root() + "/inner.txt";
  ASSERT_EQ(symlink((server_->root() + "/hello.txt").c_str(), inner.c_str()), 0);
  EXPECT_EQ(get("/escape.txt").status, 404);
  EXPECT_EQ(get("/inner.txt").body, "hello world\n");
}

TEST_F(StaticFilesTest, ConditionalRequests) {
  HttpResponse first = get("/hello.txt");
  std::string etag = first.header("etag");
  std::string modified = first.header("last-modified");
  HttpResponse r = get("/hello.txt", {"If-None-Match: " + etag});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(get("/hello.txt", {"If-Modified-Since: " + modified}).status, 304);
  EXPECT_EQ(get("/hello.txt", {"If-None-Match: \"other\""}).status, 200);
  EXPECT_EQ(get("/hello.txt", {"If-Match: \"other\""}).status, 412);
  EXPECT_EQ(get("/hello.txt", {"If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT"}).status, 412);
  EXPECT_EQ(get("/hello.txt", {"If-Match: " + etag}).status, 200);
}

TEST_F(StaticFilesTest, Ranges) {
  HttpResponse r = get("/hello.txt", {"Range: bytes=0-4"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.header("content-range"), "bytes 0-4/12");
  EXPECT_EQ(get("/hello.txt", {"Range: bytes=6-"}).body, "world\n");
  EXPECT_EQ(get("/hello.txt", {"Range: bytes=-6"}).body, "world\n");
  HttpResponse bad = get("/hello.txt", {"Range: bytes=100-200"});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.header("content-range"), "bytes */12");
  HttpResponse junk = get("/hello.txt", {"Range: lines=1-2"});
  EXPECT_EQ(junk.status, 200);
  EXPECT_EQ(junk.body, "hello world\n");
  HttpResponse multi = get("/hello.txt", {"Range: bytes=0-1,6-7"});
  EXPECT_EQ(multi.status, 206);
  EXPECT_NE(multi.header("content-type").find("multipart/byteranges; boundary="), std::string::npos);
  EXPECT_NE(multi.body.find("Content-Range: bytes 0-1/12\r\n\r\nhe"), std::string::npos);
  EXPECT_NE(multi.body.find("Content-Range: bytes 6-7/12\r\n\r\nwo"), std::string::npos);
  // If-Range with a stale validator sends the whole file.
  HttpResponse stale = get("/hello.txt", {"Range: bytes=0-4", "If-Range: \"stale\""});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, "hello world\n");
  std::string etag = get("/hello.txt").header("etag");
  EXPECT_EQ(get("/hello.txt", {"Range: bytes=0-4", "If-Range: " + etag}).status, 206);
}

TEST_F(StaticFilesTest, MethodsOnFiles) {
  HttpResponse head = http_request(port_, "HEAD", "/hello.txt");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "12");
  EXPECT_EQ(head.body, "");
  HttpResponse post = http_request(port_, "POST", "/hello.txt", {}, "x=1");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("allow"), "GET, HEAD");
  EXPECT_EQ(http_request(port_, "DELETE", "/hello.txt").status, 405);
}

TEST_F(StaticFilesTest, ChangedFileIsServedNewWithinTheWindow) {
  EXPECT_EQ(get("/hello.txt").body, "hello world\n");
  std::string tmp = server_->root() + "/hello.txt.new";
  server_->dir().write("root/hello.txt.new", "a new version, longer\n");
  ASSERT_EQ(rename(tmp.c_str(), (server_->root() + "/hello.txt").c_str()), 0);
  // The open-file cache may keep the old version for at most its 1 s window;
  // never a mix of the two.
  bool fresh = eventually(3000, [&] {
    std::string body = get("/hello.txt").body;
    EXPECT_TRUE(body == "hello world\n" || body == "a new version, longer\n") << body;
    return body == "a new version, longer\n";
  });
  EXPECT_TRUE(fresh);
  // A file that appears is found too.
  server_->dir().write("root/late.txt", "late\n");
  EXPECT_TRUE(eventually(3000, [&] { return get("/late.txt").status == 200; }));
}

// etc/mime.types beside the config is optional: without it the built-in
// table serves quietly; a file that does not parse is reported.
TEST(MimeTableFile, AbsentIsQuietBrokenIsReported) {
  {
    ServerProcess server;
    server.dir().write("root/a.css", "body{}");
    ASSERT_TRUE(server.start());
    EXPECT_EQ(http_get(server.port(), "/a.css").header("content-type"), "text/css; charset=utf-8");
    EXPECT_EQ(server.error_log().find("MIME"), std::string::npos) << server.error_log();
  }
  {
    ServerProcess server;
    server.dir().write("mime.types", "types {\n  text/css css\n");  // no closing brace
    server.dir().write("root/a.css", "body{}");
    ASSERT_TRUE(server.start());
    EXPECT_TRUE(server.wait_for_log("using the built-in MIME table", 5000)) << server.error_log();
    EXPECT_EQ(http_get(server.port(), "/a.css").header("content-type"), "text/css; charset=utf-8");
  }
}

}  // namespace
}  // namespace hearth::test
