#include "worker/static/mime_types.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace hearth {
namespace {

// The repository's etc/mime.types, found from the working directory or from this source file.
std::string repo_mime_types() {
  std::string here = __FILE__;  // ".../tests/unit/mime_types_test.cc"
  std::string from_source = here.substr(0, here.rfind("tests/unit/")) + "etc/mime.types";
  return access("etc/mime.types", R_OK) == 0 ? "etc/mime.types" : from_source;
}

// A temporary file holding `text`, removed when the object goes.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/hearth_mime_XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    path_ = name;
    if (fd >= 0) {
      EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
      close(fd);
    }
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct TypeCase {
  const char* path;
  const char* type;
};

void check(const MimeTypes& m, std::initializer_list<TypeCase> cases) {
  for (const TypeCase& c : cases) {
    SCOPED_TRACE(c.path);
    EXPECT_EQ(m.content_type(c.path), c.type);
  }
}

TEST(MimeTypes, RepositoryFileLoads) {
  MimeTypes m;
  std::string error;
  ASSERT_TRUE(m.load(repo_mime_types(), &error)) << error;
  EXPECT_GT(m.extension_count(), 150u);
  check(m, {
      {"/index.html", "text/html; charset=utf-8"},
      {"/a/b.htm", "text/html; charset=utf-8"},
      {"/style.css", "text/css; charset=utf-8"},
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/app.mjs", "text/javascript; charset=utf-8"},
      {"/data.json", "application/json; charset=utf-8"},
      {"/app.js.map", "application/json; charset=utf-8"},
      {"/site.webmanifest", "application/manifest+json; charset=utf-8"},
      {"/feed.xml", "application/xml; charset=utf-8"},
      {"/feed.rss", "application/rss+xml; charset=utf-8"},
      {"/logo.svg", "image/svg+xml; charset=utf-8"},
      {"/a.png", "image/png"},
      {"/a.jpg", "image/jpeg"},
      {"/a.jpeg", "image/jpeg"},
      {"/a.gif", "image/gif"},
      {"/a.webp", "image/webp"},
      {"/a.avif", "image/avif"},
      {"/favicon.ico", "image/x-icon"},
      {"/f.woff", "font/woff"},
      {"/f.woff2", "font/woff2"},
      {"/m.wasm", "application/wasm"},
      {"/v.mp4", "video/mp4"},
      {"/v.webm", "video/webm"},
      {"/d.pdf", "application/pdf"},
      {"/r.txt", "text/plain; charset=utf-8"},
      {"/t.csv", "text/csv; charset=utf-8"},
      {"/README.md", "text/markdown; charset=utf-8"},
      {"/a.zip", "application/zip"},
      {"/a.exe", "application/octet-stream"},
  });
}

TEST(MimeTypes, ExtensionRules) {
  MimeTypes m = MimeTypes::builtin();
  check(m, {
      {"/INDEX.HTML", "text/html; charset=utf-8"},   // case-insensitive
      {"/a.Png", "image/png"},
      {"/archive.tar.gz", "application/gzip"},       // the last dot counts
      {"/a.b/c", "application/octet-stream"},        // a dot in a directory is no extension
      {"/a.html/", "application/octet-stream"},
      {"/noext", "application/octet-stream"},
      {"/", "application/octet-stream"},
      {"", "application/octet-stream"},
      {"/file.", "application/octet-stream"},
      {"/a.unknownext", "application/octet-stream"},
      {"/a.htm", "text/html; charset=utf-8"},
      {"/a.html.bak", "application/octet-stream"},
      {"/.css", "text/css; charset=utf-8"},         // as nginx: text after the last dot
      {"index.html", "text/html; charset=utf-8"},    // relative paths work too
      {"/a.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "application/octet-stream"},
  });
}

TEST(MimeTypes, ReturnsStoredStrings) {
  MimeTypes m = MimeTypes::builtin();
  const std::string& a = m.content_type("/a.png");
  const std::string& b = m.content_type("/b.PNG");
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&m.content_type("/x.nope"), &m.content_type("/y"));
}

TEST(MimeTypes, EmptyTableKnowsNothing) {
  MimeTypes m;
  EXPECT_EQ(m.extension_count(), 0u);
  EXPECT_EQ(m.content_type("/index.html"), "application/octet-stream");
}

// The lookup is a hash table: with many extensions, many share a first
// slot; each must still find its own type, and near misses none.
TEST(MimeTypes, EveryExtensionOfALargeTableIsFound) {
  std::string text = "types {\n";
  for (int i = 0; i < 600; i++) text += "  x/t" + std::to_string(i) + " e" + std::to_string(i) + ";\n";
  text += "}\n";
  MimeTypes m;
  std::string error;
  ASSERT_TRUE(m.parse(text, "big", &error)) << error;
  ASSERT_EQ(m.extension_count(), 600u);
  for (int i = 0; i < 600; i++) {
    std::string n = std::to_string(i);
    ASSERT_EQ(m.content_type("/a/f.e" + n), "x/t" + n);
    ASSERT_EQ(m.content_type("/a/f.E" + n), "x/t" + n);  // case-insensitive
  }
  EXPECT_EQ(m.content_type("/f.e600"), "application/octet-stream");
  EXPECT_EQ(m.content_type("/f.e"), "application/octet-stream");
  EXPECT_EQ(m.content_type("/f.x1"), "application/octet-stream");
}

TEST(MimeTypes, BuiltinCoversTheWebBasics) {
  MimeTypes m = MimeTypes::builtin();
  check(m, {
      {"/a.html", "text/html; charset=utf-8"},
      {"/a.css", "text/css; charset=utf-8"},
      {"/a.js", "text/javascript; charset=utf-8"},
      {"/a.mjs", "text/javascript; charset=utf-8"},
      {"/a.json", "application/json; charset=utf-8"},
      {"/a.map", "application/json; charset=utf-8"},
      {"/a.svg", "image/svg+xml; charset=utf-8"},
      {"/a.xml", "application/xml; charset=utf-8"},
      {"/a.txt", "text/plain; charset=utf-8"},
      {"/a.md", "text/markdown; charset=utf-8"},
      {"/a.csv", "text/csv; charset=utf-8"},
      {"/a.png", "image/png"},
      {"/a.jpg", "image/jpeg"},
      {"/a.gif", "image/gif"},
      {"/a.webp", "image/webp"},
      {"/a.avif", "image/avif"},
      {"/a.ico", "image/x-icon"},
      {"/a.woff", "font/woff"},
      {"/a.woff2", "font/woff2"},
      {"/a.wasm", "application/wasm"},
      {"/a.mp4", "video/mp4"},
      {"/a.webm", "video/webm"},
      {"/a.pdf", "application/pdf"},
  });
}

TEST(MimeTypes, ParsesNginxFormat) {
  MimeTypes m;
  std::string error;
  ASSERT_TRUE(m.parse("# comment\ntypes{\n  text/html html htm; # trailing comment\n"
                      "\tImage/PNG PNG;application/javascript js;\r\n"
                      "  application/foo+json  foo;\n  application/foo+xml fx;\n"
                      "  application/octet-stream bin;\n  text/html shtml;\n}\n# end\n",
                      "t", &error))
      << error;
  EXPECT_EQ(m.extension_count(), 8u);
  check(m, {
      {"/a.htm", "text/html; charset=utf-8"},
      {"/a.shtml", "text/html; charset=utf-8"},
      {"/a.png", "image/png"},  // types are lower-cased
      {"/a.js", "application/javascript; charset=utf-8"},
      {"/a.foo", "application/foo+json; charset=utf-8"},
      {"/a.fx", "application/foo+xml; charset=utf-8"},
      {"/a.bin", "application/octet-stream"},
  });
  ASSERT_TRUE(m.parse("types {}", "t", &error)) << error;
  EXPECT_EQ(m.content_type("/a.htm"), "application/octet-stream");
}

TEST(MimeTypes, LaterDuplicateWins) {
  MimeTypes m;
  std::string error;
  ASSERT_TRUE(m.parse("types { text/plain a b; image/png b c; text/css C; }", "t", &error)) << error;
  EXPECT_EQ(m.extension_count(), 3u);
  check(m, {
      {"/x.a", "text/plain; charset=utf-8"},
      {"/x.b", "image/png"},
      {"/x.c", "text/css; charset=utf-8"},
  });
}

TEST(MimeTypes, ParseErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "f:1: expected \"types\", found end of file"},
      {"type { }", "f:1: expected \"types\", found \"type\""},
      {"types\n\n text/html html;", "f:3: expected '{' after \"types\", found \"text/html\""},
      {"types {\n text/html html;\n", "f:3: unexpected end of file, expected '}'"},
      {"types {\n text/html html\n}", "f:3: expected ';' after the extensions of text/html, found \"}\""},
      {"types {\n text/html html\n image/png png; }", "f:3: bad extension \"image/png\" for text/html"},
      {"types {\n html text/html; }", "f:2: expected a media type like text/html, found \"html\""},
      {"types {\n text/ html; }", "f:2: expected a media type like text/html, found \"text/\""},
      {"types {\n text/html; }", "f:2: text/html has no extensions"},
      {"types {\n text/html .html; }", "f:2: bad extension \".html\" for text/html"},
      {"types {\n text/html h\"t; }", "f:2: bad extension \"h\"t\" for text/html"},
      {"types {\n text/html aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; }",
       "f:2: bad extension \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" for text/html"},
      {"types {\n text/html html;\n}\n}", "f:4: unexpected \"}\" after '}'"},
      {"types {\n ; }", "f:2: expected a media type like text/html, found \";\""},
      {"types { { }", "f:1: expected a media type like text/html, found \"{\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    MimeTypes m = MimeTypes::builtin();
    std::string error;
    EXPECT_FALSE(m.parse(c.text, "f", &error));
    EXPECT_EQ(error, c.error);
    EXPECT_EQ(m.content_type("/a.png"), "image/png");  // a failed parse leaves the table as it was
  }
}

TEST(MimeTypes, LoadFromFile) {
  TempFile file("types {\n  text/x-test tst;\n}\n");
  MimeTypes m;
  std::string error;
  ASSERT_TRUE(m.load(file.path(), &error)) << error;
  EXPECT_EQ(m.content_type("/a.TST"), "text/x-test; charset=utf-8");
}

TEST(MimeTypes, LoadErrorsNameTheFile) {
  MimeTypes m = MimeTypes::builtin();
  std::string error;
  EXPECT_FALSE(m.load("/nonexistent/hearth/mime.types", &error));
  EXPECT_EQ(error.rfind("/nonexistent/hearth/mime.types: cannot open", 0), 0u) << error;

  TempFile bad("types {\n  text/html html\n");
  EXPECT_FALSE(m.load(bad.path(), &error));
  EXPECT_EQ(error, bad.path() + ":3: expected ';' after the extensions of text/html, found end of file");

  TempFile huge("types {\n" + std::string((1 << 20) + 10, ' ') + "}\n");
  EXPECT_FALSE(m.load(huge.path(), &error));
  EXPECT_EQ(error, huge.path() + ": larger than 1 MiB");

  EXPECT_EQ(m.content_type("/a.png"), "image/png");  // still the built-in table
}

}  // namespace
}  // namespace hearth
