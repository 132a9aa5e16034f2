#include "worker/http/path_normalize.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth {
namespace {

struct NormalizeCase {
  std::string raw;
  bool ok;
  std::string want;  // only checked when ok
};

TEST(PathNormalize, OrdinaryPaths) {
  const NormalizeCase cases[] = {
      {"/", true, "/"},
      {"/index.html", true, "/index.html"},
      {"/a/b/c.txt", true, "/a/b/c.txt"},
      {"/a/b/", true, "/a/b/"},
      {"//", true, "/"},
      {"///a///b", true, "/a/b"},
      {"/a//b/", true, "/a/b/"},
      {"/./a/./b", true, "/a/b"},
      {"/a/.", true, "/a/"},
      {"/a/./", true, "/a/"},
      {"/.", true, "/"},
      {"/a/b/..", true, "/a/"},
      {"/a/b/../", true, "/a/"},
      {"/a/../b", true, "/b"},
      {"/a/..", true, "/"},
      {"/a/b/../../c/", true, "/c/"},
      {"/a/b/c/../../../d", true, "/d"},
      {"/a%20b", true, "/a b"},
      {"/a+b", true, "/a+b"},
      {"/%41%42%43", true, "/ABC"},
      {"/caf%C3%A9", true, "/caf\xC3\xA9"},
      {"/a%2Fb", true, "/a/b"},
      {"/a%2fb%2f", true, "/a/b/"},
      {"/a/%2e/b", true, "/a/b"},
      {"/a/b/%2e%2e/c", true, "/a/c"},
      {"/...", true, "/..."},
      {"/a/.../b", true, "/a/.../b"},
      {"/..a", true, "/..a"},
      {"/a..", true, "/a.."},
      {"/.hidden", true, "/.hidden"},
      {"/a%25", true, "/a%"},         // %25 decodes once, to a literal '%'
      {"/a%252e%252e", true, "/a%2e%2e"},  // no double decoding
  };
  for (const NormalizeCase& c : cases) {
    SCOPED_TRACE(c.raw);
    std::string out;
    ASSERT_EQ(normalize_path(c.raw, &out), c.ok);
    if (c.ok) {
      EXPECT_EQ(out, c.want);
    }
  }
}

TEST(PathNormalize, TraversalIsRefused) {
  const char* vectors[] = {
      "/..",
      "/../",
      "/../etc/passwd",
      "/a/../..",
      "/a/../../",
      "/a/b/../../..",
      "/a/../../etc/passwd",
      "/./..",
      "//..",
      "/%2e%2e",
      "/%2e%2e/",
      "/%2E%2E/etc/passwd",
      "/%2E%2E%2Fetc",
      "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/..%2f..%2fetc",
      "/.%2e/",
      "/%2e./",
      "/a/%2e%2e/%2e%2e/x",
      "/a%2f..%2f..%2fx",
      "/%2f..",
      "/a/./../../x",
  };
  for (const char* raw : vectors) {
    SCOPED_TRACE(raw);
    std::string out;
    EXPECT_FALSE(normalize_path(raw, &out)) << "normalised to " << out;
  }
}

TEST(PathNormalize, LookalikesAreOrdinarySegments) {
  const NormalizeCase cases[] = {
      {"/..;/", true, "/..;/"},                    // Tomcat's path parameter: a plain name here
      {"/..;/etc", true, "/..;/etc"},
      {"/..\\..\\etc\\passwd", true, "/..\\..\\etc\\passwd"},  // backslash is a literal byte
      {"/a\\..\\..\\b", true, "/a\\..\\..\\b"},
      {"/%5c..%5c..", true, "/\\..\\.."},
      {"/%c0%ae%c0%ae/etc", true, "/\xC0\xAE\xC0\xAE/etc"},  // overlong UTF-8 '.' is just bytes
      {"/%c0%af..", true, "/\xC0\xAF.."},
      {"/. ./", true, "/. ./"},
      {"/.. /", true, "/.. /"},
  };
  for (const NormalizeCase& c : cases) {
    SCOPED_TRACE(c.raw);
    std::string out;
    ASSERT_EQ(normalize_path(c.raw, &out), c.ok);
    EXPECT_EQ(out, c.want);
  }
}

TEST(PathNormalize, MalformedInputIsRefused) {
  const std::string vectors[] = {
      "",
      "a/b",
      "index.html",
      "*",
      "http://example.com/",
      "/%",
      "/%4",
      "/a%",
      "/a%2",
      "/%g0",
      "/%0g",
      "/%zz",
      "/%%41",
      "/%-1",
      "/%00",
      "/a%00.html",
      "/%00/../x",
      std::string("/a\0b", 4),
  };
  for (const std::string& raw : vectors) {
    SCOPED_TRACE(raw);
    std::string out;
    EXPECT_FALSE(normalize_path(raw, &out));
  }
}

TEST(PathNormalize, OverwritesPreviousOutput) {
  std::string out = "leftover from an earlier request";
  ASSERT_TRUE(normalize_path("/x", &out));
  EXPECT_EQ(out, "/x");
}

// Paths already normal are copied as they are; everything that needs work
// (escapes, "//", ".", "..", NUL) takes the long way, also at the ends.
TEST(PathNormalize, NormalPathsAndTheirNearMisses) {
  const NormalizeCase cases[] = {
      {"/plaintext", true, "/plaintext"},
      {"/public/small.txt", true, "/public/small.txt"},
      {"/a/b.c/", true, "/a/b.c/"},
      {"/a.", true, "/a."},
      {"/a/b/.", true, "/a/b/"},
      {"/a/b//", true, "/a/b/"},
      {"/a/b/%2e", true, "/a/b/"},
      {"/a/b/..", true, "/a/"},
      {"/.a", true, "/.a"},
      {"/a/.b/c", true, "/a/.b/c"},
      {std::string("/a\0b", 4), false, ""},
      {std::string("/ab\0", 4), false, ""},
      {"/..", false, ""},
  };
  for (const NormalizeCase& c : cases) {
    SCOPED_TRACE(c.raw);
    std::string out = "leftover from an earlier request, long enough to be on the heap";
    ASSERT_EQ(normalize_path(c.raw, &out), c.ok);
    if (c.ok) {
      EXPECT_EQ(out, c.want);
    }
  }
}

TEST(PathNormalize, LongPathWithManySegments) {
  std::string raw, want;
  for (int i = 0; i < 500; i++) {
    raw += "/d" + std::to_string(i) + "/./x/..";
    want += "/d" + std::to_string(i);
  }
  std::string out;
  ASSERT_TRUE(normalize_path(raw, &out));
  EXPECT_EQ(out, want + "/");
}

// What a directory redirect is built from: a leading "//" (another host, to a
// browser) never survives normalisation, encoded or not.
TEST(PathNormalize, LeadingSlashesCollapseSoNoHostSurvives) {
  const NormalizeCase cases[] = {
      {"//evil.example/..%2fsub", true, "/sub"},
      {"//evil.example/", true, "/evil.example/"},
      {"//evil.example", true, "/evil.example"},
      {"/%2f%2fevil.example/x", true, "/evil.example/x"},
      {"/%2F/evil.example", true, "/evil.example"},
      {"///a", true, "/a"},
      {"/./evil.example", true, "/evil.example"},
  };
  for (const NormalizeCase& c : cases) {
    SCOPED_TRACE(c.raw);
    std::string out;
    ASSERT_EQ(normalize_path(c.raw, &out), c.ok);
    EXPECT_EQ(out, c.want);
    EXPECT_NE(out.compare(0, 2, "//"), 0);
  }
}

TEST(EncodePath, KeepsWhatAPathMayHold) {
  EXPECT_EQ(encode_path("/"), "/");
  EXPECT_EQ(encode_path("/a/b-c_d.e~f/"), "/a/b-c_d.e~f/");
  EXPECT_EQ(encode_path("/AZaz09"), "/AZaz09");
  EXPECT_EQ(encode_path("/!$&'()*+,;=:@"), "/!$&'()*+,;=:@");
}

TEST(EncodePath, EncodesEverythingElse) {
  EXPECT_EQ(encode_path("/a b"), "/a%20b");
  EXPECT_EQ(encode_path("/100%"), "/100%25");
  EXPECT_EQ(encode_path("/a?b#c"), "/a%3Fb%23c");
  EXPECT_EQ(encode_path("/\\\\evil.example"), "/%5C%5Cevil.example");
  EXPECT_EQ(encode_path("/\"<>[]^`{|}"), "/%22%3C%3E%5B%5D%5E%60%7B%7C%7D");
  EXPECT_EQ(encode_path("/\r\n\t\x7f"), "/%0D%0A%09%7F");
  EXPECT_EQ(encode_path(std::string("/a\0b", 4)), "/a%00b");
  EXPECT_EQ(encode_path("/caf\xC3\xA9"), "/caf%C3%A9");
}

TEST(EncodePath, RoundTripsThroughNormalisation) {
  const std::string paths[] = {"/a b/100%/x?y#z", "/caf\xC3\xA9/\\/", "/%2e%2e/"};
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    std::string back;
    ASSERT_TRUE(normalize_path(encode_path(path), &back));
    EXPECT_EQ(back, path);
  }
}

TEST(HiddenSegment, Table) {
  struct Case {
    const char* path;
    bool hidden;
  } cases[] = {
      {"/", false},
      {"/index.html", false},
      {"/a/b.c/d", false},
      {"/a.b", false},
      {"/.git", true},
      {"/.git/config", true},
      {"/.env", true},
      {"/a/.htpasswd", true},
      {"/a/b/.svn/entries", true},
      {"/a/./b", true},  // not normalised input, but still caught
      {"/..;/", true},
      {"/.well-known", false},
      {"/.well-known/", false},
      {"/.well-known/acme-challenge/token", false},
      {"/.well-known/security.txt", false},
      {"/.well-known/.secret", true},
      {"/.well-known/a/.git/x", true},
      {"/.well-knownx/y", true},
      {"/.well-known-x", true},
      {"/a/.well-known/x", true},
      {"/.WELL-KNOWN/x", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    EXPECT_EQ(has_hidden_segment(c.path), c.hidden);
  }
}

}  // namespace
}  // namespace hearth
