// Compression through the real binary: every compressed answer is decoded
// and compared with the file or the app's bytes.
#include <brotli/encode.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "tests/support/decompress.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

std::string css_like(size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; i++)
    s += ".rule-" + std::to_string(i % 101) + " { padding: " + std::to_string(i % 13) + "px; }\n";
  s.resize(n);
  return s;
}

std::string gzip_of(const std::string& s) {
  uLongf n = compressBound(s.size()) + 32;
  std::string out(n, '\0');
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = static_cast<uInt>(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string brotli_of(const std::string& s) {
  size_t n = BrotliEncoderMaxCompressedSize(s.size());
  std::string out(n, '\0');
  BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, s.size(),
                        reinterpret_cast<const uint8_t*>(s.data()), &n, reinterpret_cast<uint8_t*>(&out[0]));
  out.resize(n);
  return out;
}

void set_mtime(const std::string& path, time_t seconds) {
  struct timespec t[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, 0), 0) << path;
}

const std::vector<std::string> kGzip = {"Accept-Encoding: gzip"};
const std::vector<std::string> kChrome = {"Accept-Encoding: gzip, deflate, br, zstd"};

class GzipProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.config()["gzip"] = {{"min_length", 32}, {"stream_above", 256 * 1024}};
    server_.config()["open_file_cache"] = {{"valid", 0}};
  }
  bool start() { return server_.start(); }
  std::string put(const std::string& name, const std::string& content) {
    return server_.dir().write("root/" + name, content);
  }
  int port() const { return server_.port(); }

  ServerProcess server_;
};

TEST_F(GzipProcessTest, CssOnTheFlyDecodesToTheFile) {
  std::string css = css_like(16 * 1024);
  put("site.css", css);
  ASSERT_TRUE(start());

  HttpResponse gz = http_get(port(), "/site.css", kGzip);
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.header("vary"), "Accept-Encoding");
  EXPECT_EQ(gz.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(gz.header("etag").substr(0, 3), "W/\"");
  EXPECT_EQ(gz.header("content-length"), std::to_string(gz.body.size()));
  EXPECT_LT(gz.body.size(), css.size() / 3);
  std::string back;
  ASSERT_TRUE(gunzip(gz.body, &back));
  EXPECT_EQ(back, css);

  HttpResponse plain = http_get(port(), "/site.css");
  EXPECT_FALSE(plain.has("content-encoding"));
  EXPECT_EQ(plain.header("vary"), "Accept-Encoding");
  EXPECT_EQ(plain.body, css);

  HttpResponse bad = http_get(port(), "/site.css", {"Accept-Encoding: gzip;q=abc"});
  EXPECT_EQ(bad.status, 200);  // malformed is absent, never a 4xx
  EXPECT_FALSE(bad.has("content-encoding"));
  EXPECT_EQ(bad.header("vary"), "Accept-Encoding");
  EXPECT_EQ(bad.body, css);
}

TEST_F(GzipProcessTest, EditedFileIsServedFreshlyCompressed) {
  std::string v1 = css_like(8000);
  std::string path = put("a.css", v1);
  ASSERT_TRUE(start());
  std::string back;
  ASSERT_TRUE(gunzip(http_get(port(), "/a.css", kGzip).body, &back));
  ASSERT_EQ(back, v1);

  std::string v2 = v1;
  v2.replace(0, 8, "/*edit*/");  // same size; written in place, same inode
  put("a.css", v2);
  back.clear();
  ASSERT_TRUE(gunzip(http_get(port(), "/a.css", kGzip).body, &back));
  EXPECT_EQ(back, v2);

  std::string v3 = css_like(9000) + "/* longer */";
  put("a.css", v3);
  HttpResponse third = http_get(port(), "/a.css", kGzip);
  back.clear();
  ASSERT_TRUE(gunzip(third.body, &back));
  EXPECT_EQ(back, v3);
}

TEST_F(GzipProcessTest, SiblingsChosenByPreference) {
  std::string js = css_like(64 * 1024);
  std::string js_gz = gzip_of(js), js_br = brotli_of(js);
  put("app.js", js);
  put("app.js.gz", js_gz);
  put("app.js.br", js_br);
  ASSERT_TRUE(start());

  HttpResponse br = http_get(port(), "/app.js", kChrome);
  EXPECT_EQ(br.header("content-encoding"), "br");
  EXPECT_EQ(br.header("content-length"), std::to_string(js_br.size()));
  EXPECT_EQ(br.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(br.header("vary"), "Accept-Encoding");
  std::string back;
  ASSERT_TRUE(unbrotli(br.body, &back));
  EXPECT_EQ(back, js);

  HttpResponse gz = http_get(port(), "/app.js", {"Accept-Encoding: br;q=0.4, gzip;q=0.8"});
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.body, js_gz);  // the sibling's own bytes
  EXPECT_EQ(gz.header("accept-ranges"), "bytes");

  HttpResponse curl = http_get(port(), "/app.js", {"Accept-Encoding: deflate, gzip"});
  EXPECT_EQ(curl.header("content-encoding"), "gzip");

  HttpResponse plain = http_get(port(), "/app.js", {"Accept-Encoding: identity"});
  EXPECT_FALSE(plain.has("content-encoding"));
  EXPECT_EQ(plain.header("vary"), "Accept-Encoding");
  EXPECT_EQ(plain.body, js);
  EXPECT_NE(plain.header("etag"), br.header("etag"));
  EXPECT_NE(gz.header("etag"), br.header("etag"));
}

TEST_F(GzipProcessTest, HeadConditionalAndRangeAgreeWithTheEncoding) {
  std::string css = css_like(20000);
  put("h.css", css);
  std::string doc = css_like(30000);
  std::string doc_gz = gzip_of(doc);
  put("doc.txt", doc);
  put("doc.txt.gz", doc_gz);
  ASSERT_TRUE(start());

  // On the fly: HEAD has GET's headers; 304 keeps ETag and Vary; Range is ignored.
  HttpResponse get = http_get(port(), "/h.css", kGzip);
  HttpResponse head = http_request(port(), "HEAD", "/h.css", kGzip);
  ASSERT_EQ(head.status, 200);
  for (const char* h : {"content-length", "content-encoding", "etag", "vary", "content-type", "last-modified"})
    EXPECT_EQ(head.header(h), get.header(h)) << h;
  EXPECT_TRUE(head.body.empty());

  HttpResponse not_modified = http_get(port(), "/h.css", {"Accept-Encoding: gzip", "If-None-Match: " + get.header("etag")});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(not_modified.header("etag"), get.header("etag"));
  EXPECT_EQ(not_modified.header("vary"), "Accept-Encoding");

  HttpResponse ranged = http_get(port(), "/h.css", {"Accept-Encoding: gzip", "Range: bytes=0-99"});
  EXPECT_EQ(ranged.status, 200);
  EXPECT_FALSE(ranged.has("content-range"));
  EXPECT_EQ(ranged.body, get.body);

  // A sibling: Range and validators are over its bytes.
  HttpResponse part = http_get(port(), "/doc.txt", {"Accept-Encoding: gzip", "Range: bytes=100-199"});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.header("content-encoding"), "gzip");
  EXPECT_EQ(part.header("content-range"), "bytes 100-199/" + std::to_string(doc_gz.size()));
  EXPECT_EQ(part.body, doc_gz.substr(100, 100));
  HttpResponse sib = http_get(port(), "/doc.txt", kGzip);
  HttpResponse sib_304 = http_get(port(), "/doc.txt", {"Accept-Encoding: gzip", "If-None-Match: " + sib.header("etag")});
  EXPECT_EQ(sib_304.status, 304);
  HttpResponse sib_head = http_request(port(), "HEAD", "/doc.txt", kGzip);
  EXPECT_EQ(sib_head.header("content-length"), std::to_string(doc_gz.size()));
  EXPECT_EQ(sib_head.header("content-encoding"), "gzip");
  // Without gzip the range is over the file itself.
  HttpResponse plain_part = http_get(port(), "/doc.txt", {"Range: bytes=100-199"});
  EXPECT_EQ(plain_part.status, 206);
  EXPECT_EQ(plain_part.body, doc.substr(100, 100));
  EXPECT_EQ(plain_part.header("vary"), "Accept-Encoding");
}

TEST_F(GzipProcessTest, JsonRouteIsCompressedWhenAsked) {
  ASSERT_TRUE(start());
  HttpResponse gz = http_get(port(), "/json", kGzip);
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.header("vary"), "Accept-Encoding");
  std::string back;
  ASSERT_TRUE(gunzip(gz.body, &back));
  EXPECT_NE(back.find("\"message\""), std::string::npos);
  auto parsed = nlohmann::json::parse(back, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded());

  HttpResponse plain = http_get(port(), "/json");
  EXPECT_FALSE(plain.has("content-encoding"));
  EXPECT_EQ(plain.header("vary"), "Accept-Encoding");
  EXPECT_NE(plain.body.find("\"message\""), std::string::npos);

  HttpResponse head = http_request(port(), "HEAD", "/json", kGzip);
  EXPECT_EQ(head.header("content-encoding"), "gzip");
}

TEST_F(GzipProcessTest, GzSiblingOlderThanItsFileIsIgnored) {
  std::string css = css_like(6000);
  std::string file = put("s.css", css);
  std::string sibling = put("s.css.gz", gzip_of("stale content"));
  set_mtime(file, 1700000100);
  set_mtime(sibling, 1700000000);
  ASSERT_TRUE(start());
  HttpResponse res = http_get(port(), "/s.css", kGzip);
  EXPECT_EQ(res.header("content-encoding"), "gzip");
  std::string back;
  ASSERT_TRUE(gunzip(res.body, &back));
  EXPECT_EQ(back, css);  // compressed from the file, not the stale sibling

  std::string fresh = gzip_of(css);
  put("s.css.gz", fresh);
  set_mtime(sibling, 1700000200);
  EXPECT_EQ(http_get(port(), "/s.css", kGzip).body, fresh);
}

TEST_F(GzipProcessTest, ZeroByteFile) {
  put("empty.css", "");
  ASSERT_TRUE(start());
  HttpResponse res = http_get(port(), "/empty.css", kGzip);  // under min_length
  EXPECT_EQ(res.status, 200);
  EXPECT_FALSE(res.has("content-encoding"));
  EXPECT_EQ(res.header("content-length"), "0");
  EXPECT_EQ(res.header("vary"), "Accept-Encoding");

  ServerProcess zero;
  zero.config()["gzip"] = {{"min_length", 0}};
  zero.dir().write("root/empty.css", "");
  ASSERT_TRUE(zero.start());
  HttpResponse gz = http_get(zero.port(), "/empty.css", kGzip);
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.header("content-length"), "20");
  std::string back = "sentinel";
  back.clear();
  EXPECT_TRUE(gunzip(gz.body, &back));
  EXPECT_EQ(back, "");
}

TEST_F(GzipProcessTest, LargeFileStreamsChunked) {
  std::string big = css_like(1 << 20);
  put("big.css", big);
  ASSERT_TRUE(start());
  HttpResponse res = http_get(port(), "/big.css", kGzip);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("transfer-encoding"), "chunked");
  EXPECT_FALSE(res.has("content-length"));
  EXPECT_EQ(res.header("content-encoding"), "gzip");
  std::string back;
  ASSERT_TRUE(gunzip(res.body, &back));
  EXPECT_EQ(back, big);
}

TEST_F(GzipProcessTest, SiblingAloneServedOnlyWithAlways) {
  std::string css = css_like(5000);
  std::string css_gz = gzip_of(css);
  put("only.css.gz", css_gz);
  ASSERT_TRUE(start());
  EXPECT_EQ(http_get(port(), "/only.css", kGzip).status, 404);

  ServerProcess always;
  always.config()["gzip"] = {{"precompressed", "always"}};
  always.dir().write("root/only.css.gz", css_gz);
  ASSERT_TRUE(always.start());
  HttpResponse res = http_get(always.port(), "/only.css", kGzip);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-encoding"), "gzip");
  EXPECT_EQ(res.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(res.header("vary"), "Accept-Encoding");
  std::string back;
  ASSERT_TRUE(gunzip(res.body, &back));
  EXPECT_EQ(back, css);
  EXPECT_EQ(http_get(always.port(), "/only.css", {"Accept-Encoding: identity"}).status, 404);
}

// A streamed file cut short under a slow reader: the connection closes
// without the last chunk, so the client sees an incomplete body.
TEST_F(GzipProcessTest, FileShrinkingWhileStreamedIsNeverCompleteLooking) {
  std::mt19937 rng(11);
  std::string noise(16 << 20, '\0');  // incompressible: the socket fills quickly
  for (char& c : noise) c = static_cast<char>(rng());
  std::string path = put("noise.txt", noise);
  ASSERT_TRUE(start());

  Client c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send("GET /noise.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server blocks on a full socket
  ASSERT_EQ(truncate(path.c_str(), 1000), 0);
  std::string raw = c.read_until_close(10000);
  ASSERT_NE(raw.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_LT(raw.size(), noise.size());
  EXPECT_NE(raw.substr(raw.size() - 5), "0\r\n\r\n");
  EXPECT_TRUE(server_.running());
}

}  // namespace
}  // namespace hearth::test
