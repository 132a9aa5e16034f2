// The compression policy wired into the static file handler, driven in
// process: StaticFiles over a temp folder, responses inspected before the
// writer. (tests/process/gzip_test.cc drives the real binary.)
#include "worker/compress/static_compression.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/support/decompress.h"
#include "worker/static/conditional.h"
#include "worker/compress/gzip_encoder.h"
#include "worker/static/mime_types.h"
#include "worker/static/static_files.h"

namespace hearth {
namespace {

std::string css_like(size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; i++)
    s += ".c" + std::to_string(i % 89) + " { color: #" + std::to_string(i % 9) + "0a; }\n";
  s.resize(n);
  return s;
}

std::string header(const Response& res, const char* name) {
  const std::string* v = res.headers.find(name);
  return v ? *v : "(none)";
}

// The body as the writer would send it (memory, file slices or a stream).
std::string body_of(Response& res) {
  if (has_body_stream(res)) {
    std::string all, piece;
    for (int i = 0; i < 100000; i++) {
      piece.clear();
      bool more = res.engine_body->stream->next(&piece);
      all += piece;
      if (!more) break;
    }
    return all;
  }
  if (!has_engine_body(res)) return res.body_bytes();
  std::string all;
  for (const BodyPart& p : res.engine_body->parts) {
    if (!p.is_file()) {
      all += p.data;
      continue;
    }
    std::string chunk(p.length, '\0');
    EXPECT_EQ(::pread(p.file->fd, &chunk[0], p.length, static_cast<off_t>(p.offset)),
              static_cast<ssize_t>(p.length));
    all += chunk;
  }
  return all;
}

class StaticCompressionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hearth-static-gz-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    config_.root = root_;
    config_.open_file_cache_valid_ms = 0;  // see every change at once
    mime_ = MimeTypes::builtin();
  }
  void TearDown() override {
    files_.reset();
    for (const std::string& name : made_) ::unlink((root_ + "/" + name).c_str());
    ::rmdir(root_.c_str());
  }

  // Writes a file with a given mtime (seconds), so ages are exact.
  void write(const std::string& name, const std::string& content, time_t mtime = 1700000000) {
    std::string path = root_ + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    struct timespec t[2] = {{mtime, 0}, {mtime, 0}};
    ASSERT_EQ(::futimens(fd, t), 0);
    ::close(fd);
    made_.push_back(name);
  }
  std::string gz(const std::string& s) {
    std::string out;
    EXPECT_TRUE(gzip_compress(s, 9, &out));
    return out;
  }

  StaticFiles& files() {
    if (!files_) files_ = std::make_unique<StaticFiles>(config_, mime_);
    return *files_;
  }

  Response request(const std::string& path, std::map<std::string, std::string> headers = {},
                   const std::string& method = "GET", bool* served = nullptr) {
    Request req;
    req.method = method;
    req.target = path;
    req.path = path;
    for (const auto& h : headers) req.headers.set(h.first, h.second);
    Response res;
    auto result = files().serve(req, &res, ++now_ms_);
    if (served != nullptr) *served = result == StaticFiles::Result::kServed;
    return res;
  }

  Config config_;
  MimeTypes mime_;
  std::string root_;
  std::vector<std::string> made_;
  std::unique_ptr<StaticFiles> files_;
  uint64_t now_ms_ = 1000;
};

const std::map<std::string, std::string> kGzip = {{"Accept-Encoding", "gzip"}};
const std::map<std::string, std::string> kChrome = {{"Accept-Encoding", "gzip, deflate, br, zstd"}};

TEST_F(StaticCompressionTest, CssIsGzippedOnTheFlyWithWeakEtag) {
  std::string css = css_like(16 * 1024);
  write("site.css", css);
  Response res = request("/site.css", kGzip);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(res, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(res, "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(header(res, "ETag"), "W/" + make_etag(1700000000, css.size()));
  EXPECT_EQ(header(res, "Accept-Ranges"), "(none)");
  std::string back;
  ASSERT_TRUE(test::gunzip(body_of(res), &back));
  EXPECT_EQ(back, css);
}

TEST_F(StaticCompressionTest, IdentityAnswerVariesToo) {
  std::string css = css_like(4096);
  write("a.css", css);
  for (const char* ae : {"identity", "gzip;q=0", "gzip;q=abc", "br"}) {
    Response res = request("/a.css", {{"Accept-Encoding", ae}});
    EXPECT_EQ(header(res, "Content-Encoding"), "(none)") << ae;
    EXPECT_EQ(header(res, "Vary"), "Accept-Encoding") << ae;
    EXPECT_EQ(header(res, "ETag"), make_etag(1700000000, css.size())) << ae;
    EXPECT_EQ(body_of(res), css) << ae;
  }
  Response none = request("/a.css");
  EXPECT_EQ(header(none, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(none, "Content-Encoding"), "(none)");
}

TEST_F(StaticCompressionTest, EachVersionIsCompressedOnce) {
  write("a.css", css_like(8000));
  for (int i = 0; i < 5; i++) request("/a.css", kGzip);
  const CompressionCache& cache = files().compression().cache();
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 4u);
  EXPECT_EQ(cache.entries(), 1u);
}

TEST_F(StaticCompressionTest, FileEditedInPlaceIsCompressedAfresh) {
  std::string v1 = css_like(8000);
  write("a.css", v1);
  Response first = request("/a.css", kGzip);
  std::string back;
  ASSERT_TRUE(test::gunzip(body_of(first), &back));
  ASSERT_EQ(back, v1);

  // Same size, same second: only the nanoseconds (and ctime) tell.
  std::string v2 = v1;
  v2.replace(0, 6, "/*v2*/");
  int fd = ::open((root_ + "/a.css").c_str(), O_WRONLY);
  ASSERT_EQ(::pwrite(fd, v2.data(), v2.size(), 0), static_cast<ssize_t>(v2.size()));
  struct timespec t[2] = {{1700000000, 5}, {1700000000, 5}};
  ASSERT_EQ(::futimens(fd, t), 0);
  ::close(fd);

  Response second = request("/a.css", kGzip);
  back.clear();
  ASSERT_TRUE(test::gunzip(body_of(second), &back));
  EXPECT_EQ(back, v2);
  EXPECT_EQ(files().compression().cache().entries(), 1u);  // the old bytes were dropped
}

TEST_F(StaticCompressionTest, SiblingsChosenByPreference) {
  std::string js = css_like(20000);
  std::string js_gz = gz(js);
  std::string js_br = "pretend-brotli";  // sent as is: we never decode a sibling
  write("app.js", js, 1700000000);
  write("app.js.gz", js_gz, 1700000000);
  write("app.js.br", js_br, 1700000001);

  Response br = request("/app.js", kChrome);
  EXPECT_EQ(header(br, "Content-Encoding"), "br");
  EXPECT_EQ(body_of(br), js_br);
  EXPECT_EQ(header(br, "ETag"), make_etag(1700000001, js_br.size()));
  EXPECT_EQ(br.body_length(), js_br.size());
  EXPECT_EQ(header(br, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(br, "Vary"), "Accept-Encoding");

  Response gzip = request("/app.js", {{"Accept-Encoding", "br;q=0.5, gzip"}});
  EXPECT_EQ(header(gzip, "Content-Encoding"), "gzip");
  EXPECT_EQ(body_of(gzip), js_gz);
  EXPECT_EQ(header(gzip, "ETag"), make_etag(1700000000, js_gz.size()));
  EXPECT_EQ(files().compression().cache().misses(), 0u);  // nothing compressed here

  Response plain = request("/app.js", {{"Accept-Encoding", "identity"}});
  EXPECT_EQ(header(plain, "Content-Encoding"), "(none)");
  EXPECT_EQ(body_of(plain), js);
  EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding");
}

TEST_F(StaticCompressionTest, SiblingOfAnyTypeVaries) {
  write("m.wasm", std::string(3000, '\1'));
  write("m.wasm.gz", gz(std::string(3000, '\1')));
  Response res = request("/m.wasm", kGzip);
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(res, "Content-Type"), "application/wasm");
  Response plain = request("/m.wasm");
  EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding");
  write("pic.png", std::string(3000, '\2'));
  EXPECT_EQ(header(request("/pic.png", kGzip), "Vary"), "(none)");
}

TEST_F(StaticCompressionTest, OlderSiblingIsIgnoredNewerIsServed) {
  std::string css = css_like(5000);
  write("s.css", css, 1700000100);
  write("s.css.gz", "stale-bytes", 1700000099);
  Response res = request("/s.css", kGzip);
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");  // on the fly, from the file
  std::string back;
  ASSERT_TRUE(test::gunzip(body_of(res), &back));
  EXPECT_EQ(back, css);

  write("s.css.gz", gz(css), 1700000200);
  Response newer = request("/s.css", kGzip);
  EXPECT_EQ(body_of(newer), gz(css));
  EXPECT_EQ(header(newer, "ETag"), make_etag(1700000200, gz(css).size()));

  write("w.wasm", "wasm", 1700000100);
  write("w.wasm.gz", "stale", 1700000000);
  EXPECT_EQ(header(request("/w.wasm", kGzip), "Content-Encoding"), "(none)");
}

TEST_F(StaticCompressionTest, RangeOfASiblingIsOverItsBytes) {
  std::string css = css_like(30000);
  std::string css_gz = gz(css);
  write("r.css", css);
  write("r.css.gz", css_gz);
  std::map<std::string, std::string> h = {{"Accept-Encoding", "gzip"}, {"Range", "bytes=10-19"}};
  Response one = request("/r.css", h);
  EXPECT_EQ(one.status, 206);
  EXPECT_EQ(header(one, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(one, "Content-Range"), "bytes 10-19/" + std::to_string(css_gz.size()));
  EXPECT_EQ(body_of(one), css_gz.substr(10, 10));

  h["Range"] = "bytes=0-9,20-29";
  Response several = request("/r.css", h);
  EXPECT_EQ(several.status, 200);
  EXPECT_EQ(header(several, "Content-Encoding"), "gzip");
  EXPECT_EQ(body_of(several), css_gz);

  h["Range"] = "bytes=999999-";
  Response past = request("/r.css", h);
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(header(past, "Content-Range"), "bytes */" + std::to_string(css_gz.size()));
  EXPECT_EQ(header(past, "Content-Encoding"), "(none)");
}

TEST_F(StaticCompressionTest, RangeOnTheFlyGetsTheWholeCompressedBody) {
  std::string css = css_like(30000);
  write("r.css", css);
  Response res = request("/r.css", {{"Accept-Encoding", "gzip"}, {"Range", "bytes=0-99"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(header(res, "Content-Range"), "(none)");
  std::string back;
  ASSERT_TRUE(test::gunzip(body_of(res), &back));
  EXPECT_EQ(back, css);
  // Without gzip the Range applies to the file.
  Response plain = request("/r.css", {{"Range", "bytes=0-99"}});
  EXPECT_EQ(plain.status, 206);
  EXPECT_EQ(body_of(plain), css.substr(0, 100));
}

TEST_F(StaticCompressionTest, HeadAndConditionalsAgreeWithGet) {
  write("h.css", css_like(9000));
  Response get = request("/h.css", kGzip);
  Response head = request("/h.css", kGzip, "HEAD");
  EXPECT_EQ(head.headers.fields(), get.headers.fields());
  EXPECT_EQ(head.body_length(), get.body_length());  // Content-Length the writer will send

  std::string etag = header(get, "ETag");
  ASSERT_EQ(etag.substr(0, 2), "W/");
  Response revalidated = request("/h.css", {{"Accept-Encoding", "gzip"}, {"If-None-Match", etag}});
  EXPECT_EQ(revalidated.status, 304);
  EXPECT_EQ(header(revalidated, "ETag"), etag);
  EXPECT_EQ(header(revalidated, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(revalidated, "Content-Encoding"), "(none)");

  Response strong_only = request("/h.css", {{"Accept-Encoding", "gzip"}, {"If-Match", etag}});
  EXPECT_EQ(strong_only.status, 412);  // a weak tag never matches strongly
}

TEST_F(StaticCompressionTest, ZeroByteFile) {
  write("empty.css", "");
  Response small = request("/empty.css", kGzip);  // under min_length
  EXPECT_EQ(header(small, "Content-Encoding"), "(none)");
  EXPECT_EQ(small.body_length(), 0u);
  EXPECT_EQ(header(small, "Vary"), "Accept-Encoding");

  config_.gzip.min_length = 0;
  files_.reset();
  Response zipped = request("/empty.css", kGzip);
  EXPECT_EQ(header(zipped, "Content-Encoding"), "gzip");
  std::string back = "x";
  back.clear();
  ASSERT_TRUE(test::gunzip(body_of(zipped), &back));
  EXPECT_EQ(back, "");
}

TEST_F(StaticCompressionTest, LargeFileStreamsUncached) {
  config_.gzip.stream_above = 100 * 1024;
  std::string css = css_like(300 * 1024);
  write("big.css", css);
  Response res = request("/big.css", kGzip);
  ASSERT_TRUE(has_body_stream(res));
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
  std::string back;
  ASSERT_TRUE(test::gunzip(body_of(res), &back));
  EXPECT_EQ(back, css);
  EXPECT_FALSE(res.engine_body->stream->failed());
  EXPECT_EQ(files().compression().cache().entries(), 0u);
}

TEST_F(StaticCompressionTest, SiblingStandsInForAbsentFileOnlyWhenAlways) {
  std::string css = css_like(3000);
  write("only.css.gz", gz(css));
  bool served = true;
  request("/only.css", kGzip, "GET", &served);
  EXPECT_FALSE(served);

  config_.gzip.precompressed_always = true;
  files_.reset();
  Response res = request("/only.css", kGzip, "GET", &served);
  EXPECT_TRUE(served);
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(res, "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(body_of(res), gz(css));

  Response no_header = request("/only.css", {}, "GET", &served);
  EXPECT_TRUE(served);  // no Accept-Encoding: any coding is acceptable
  EXPECT_EQ(header(no_header, "Content-Encoding"), "gzip");

  request("/only.css", {{"Accept-Encoding", "identity"}}, "GET", &served);
  EXPECT_FALSE(served);  // refused: as if there were no file
}

// The compressibility of the last type is remembered: each answer must
// still go by its own type.
TEST_F(StaticCompressionTest, TypesInTurnEachGetTheirOwnAnswer) {
  write("a.css", css_like(5000));
  write("b.png", std::string(5000, 'p'));
  for (int round = 0; round < 2; round++) {
    Response css = request("/a.css", kGzip);
    EXPECT_EQ(header(css, "Content-Encoding"), "gzip");
    EXPECT_EQ(header(css, "Vary"), "Accept-Encoding");
    Response png = request("/b.png", kGzip);
    EXPECT_EQ(header(png, "Content-Encoding"), "(none)");
    EXPECT_EQ(header(png, "Vary"), "(none)");
    EXPECT_EQ(header(png, "Content-Type"), "image/png");
  }
}

// A path found missing is remembered for the cache's window (a negative
// entry, so that app routes cost one lookup); a file created there shows
// once the window is over.
TEST_F(StaticCompressionTest, FileCreatedAfterAMissShowsAfterTheWindow) {
  config_.open_file_cache_valid_ms = 1000;
  bool served = true;
  request("/later.txt", {}, "GET", &served);
  EXPECT_FALSE(served);
  write("later.txt", "hello");
  request("/later.txt", {}, "GET", &served);
  EXPECT_FALSE(served);  // still within the window
  now_ms_ += 1000;
  Response res = request("/later.txt", {}, "GET", &served);
  EXPECT_TRUE(served);
  EXPECT_EQ(body_of(res), "hello");
}

// A response that already says Vary gets Accept-Encoding merged in, once.
TEST_F(StaticCompressionTest, VaryIsMergedWithOneAlreadySet) {
  write("a.css", css_like(5000));
  Request req;
  req.method = "GET";
  req.target = req.path = "/a.css";
  req.headers.set("Accept-Encoding", "gzip");
  Response res;
  res.headers.set("Vary", "Cookie");
  ASSERT_EQ(files().serve(req, &res, ++now_ms_), StaticFiles::Result::kServed);
  EXPECT_EQ(header(res, "Vary"), "Cookie, Accept-Encoding");
}

TEST_F(StaticCompressionTest, SwitchesOff) {
  write("a.css", css_like(5000));
  write("b.css", css_like(5000));
  write("b.css.gz", gz(css_like(5000)));
  config_.gzip.on_the_fly = false;
  Response a = request("/a.css", kGzip);
  EXPECT_EQ(header(a, "Content-Encoding"), "(none)");
  EXPECT_EQ(header(a, "Vary"), "(none)");
  EXPECT_EQ(header(request("/b.css", kGzip), "Content-Encoding"), "gzip");  // sibling still

  config_.gzip.precompressed = false;
  files_.reset();
  Response b = request("/b.css", kGzip);
  EXPECT_EQ(header(b, "Content-Encoding"), "(none)");
  EXPECT_EQ(header(b, "Vary"), "(none)");
}

}  // namespace
}  // namespace hearth
