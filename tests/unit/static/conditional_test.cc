#include "worker/static/conditional.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace hearth {
namespace {

constexpr int64_t kMtime = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
const char* const kAtMtime = "Sun, 06 Nov 1994 08:49:37 GMT";
const char* const kBefore = "Sun, 06 Nov 1994 08:49:36 GMT";
const char* const kAfter = "Sun, 06 Nov 1994 08:49:38 GMT";
const char* const kFuture = "Fri, 31 Dec 9999 23:59:59 GMT";
const char* const kTag = "\"2ebc98a1-400\"";

Headers make_headers(const std::vector<std::pair<std::string, std::string>>& fields) {
  Headers h;
  for (const auto& f : fields) h.add(f.first, f.second);
  return h;
}

const char* name(Precondition p) {
  switch (p) {
    case Precondition::kProceed: return "proceed";
    case Precondition::kNotModified: return "not-modified";
    case Precondition::kFailed: return "failed";
  }
  return "?";
}

TEST(Etag, NginxForm) {
  EXPECT_EQ(make_etag(0x5f3a1b2c, 0x400), "\"5f3a1b2c-400\"");
  EXPECT_EQ(make_etag(kMtime, 1024), kTag);
  EXPECT_EQ(make_etag(0, 0), "\"0-0\"");
  EXPECT_EQ(make_etag(1, 15), "\"1-f\"");
  EXPECT_EQ(make_etag(4102444800, 1ull << 40), "\"f4865700-10000000000\"");
  EXPECT_EQ(make_etag(INT64_MAX, UINT64_MAX), "\"7fffffffffffffff-ffffffffffffffff\"");
  EXPECT_EQ(make_etag(-5, 1), "\"0-1\"");
  EXPECT_NE(make_etag(kMtime, 1024), make_etag(kMtime, 1025));
  EXPECT_NE(make_etag(kMtime, 1024), make_etag(kMtime + 1, 1024));
}

struct PreconditionCase {
  const char* what;
  std::vector<std::pair<std::string, std::string>> headers;
  const char* method;
  Precondition want;
  std::string etag = kTag;
};

void check(const std::vector<PreconditionCase>& cases) {
  for (const PreconditionCase& c : cases) {
    SCOPED_TRACE(std::string(c.what) + " (" + c.method + ")");
    Validators v{c.etag, kMtime};
    EXPECT_STREQ(name(evaluate_preconditions(make_headers(c.headers), c.method, v)), name(c.want));
  }
}

const Precondition kProceed = Precondition::kProceed;
const Precondition kNotModified = Precondition::kNotModified;
const Precondition kFailed = Precondition::kFailed;

TEST(Preconditions, NoConditionalHeaders) {
  check({
      {"nothing", {}, "GET", kProceed},
      {"unrelated", {{"Range", "bytes=0-1"}, {"If-Range", kTag}}, "GET", kProceed},
      {"nothing", {}, "POST", kProceed},
  });
}

TEST(Preconditions, IfMatchIsStrong) {
  check({
      {"same tag", {{"If-Match", kTag}}, "GET", kProceed},
      {"same tag", {{"If-Match", kTag}}, "PUT", kProceed},
      {"in a list", {{"If-Match", std::string("\"x\", ") + kTag}}, "GET", kProceed},
      {"in a list, no spaces", {{"If-Match", std::string("\"x\",") + kTag + ",\"y\""}}, "GET", kProceed},
      {"star", {{"If-Match", "*"}}, "GET", kProceed},
      {"star with spaces", {{"If-Match", " * "}}, "DELETE", kProceed},
      {"other tag", {{"If-Match", "\"other\""}}, "GET", kFailed},
      {"other tag", {{"If-Match", "\"other\""}}, "PUT", kFailed},
      {"weak request tag", {{"If-Match", std::string("W/") + kTag}}, "GET", kFailed},
      {"weak current tag", {{"If-Match", kTag}}, "GET", kFailed, std::string("W/") + kTag},
      {"both weak", {{"If-Match", std::string("W/") + kTag}}, "GET", kFailed, std::string("W/") + kTag},
      {"unquoted", {{"If-Match", "2ebc98a1-400"}}, "GET", kFailed},
      {"empty", {{"If-Match", ""}}, "GET", kFailed},
      {"malformed before the match", {{"If-Match", std::string("bad, ") + kTag}}, "GET", kFailed},
      {"unterminated", {{"If-Match", "\"2ebc98a1-400"}}, "GET", kFailed},
      {"prefix of the tag", {{"If-Match", "\"2ebc98a1-40\""}}, "GET", kFailed},
      {"case differs", {{"If-Match", "\"2EBC98A1-400\""}}, "GET", kFailed},
      {"header name case", {{"if-match", "\"other\""}}, "GET", kFailed},
  });
}

TEST(Preconditions, IfUnmodifiedSince) {
  check({
      {"at mtime", {{"If-Unmodified-Since", kAtMtime}}, "PUT", kProceed},
      {"after mtime", {{"If-Unmodified-Since", kAfter}}, "GET", kProceed},
      {"before mtime", {{"If-Unmodified-Since", kBefore}}, "GET", kFailed},
      {"before mtime", {{"If-Unmodified-Since", kBefore}}, "PUT", kFailed},
      {"invalid date is ignored", {{"If-Unmodified-Since", "yesterday"}}, "PUT", kProceed},
      {"ignored when If-Match is present",
       {{"If-Match", kTag}, {"If-Unmodified-Since", kBefore}}, "PUT", kProceed},
      {"If-Match still fails first", {{"If-Match", "\"x\""}, {"If-Unmodified-Since", kAfter}}, "GET", kFailed},
  });
}

TEST(Preconditions, IfNoneMatchIsWeak) {
  check({
      {"same tag", {{"If-None-Match", kTag}}, "GET", kNotModified},
      {"same tag", {{"If-None-Match", kTag}}, "HEAD", kNotModified},
      {"same tag", {{"If-None-Match", kTag}}, "POST", kFailed},
      {"same tag", {{"If-None-Match", kTag}}, "PUT", kFailed},
      {"weak request tag", {{"If-None-Match", std::string("W/") + kTag}}, "GET", kNotModified},
      {"weak current tag", {{"If-None-Match", kTag}}, "GET", kNotModified, std::string("W/") + kTag},
      {"in a list", {{"If-None-Match", std::string("\"a\", W/\"b\",\t") + kTag}}, "GET", kNotModified},
      {"star", {{"If-None-Match", "*"}}, "GET", kNotModified},
      {"star", {{"If-None-Match", "*"}}, "PUT", kFailed},
      {"other tag", {{"If-None-Match", "\"other\""}}, "GET", kProceed},
      {"other tags", {{"If-None-Match", "\"a\", \"b\""}}, "PUT", kProceed},
      {"empty", {{"If-None-Match", ""}}, "GET", kProceed},
      {"garbage", {{"If-None-Match", "nonsense"}}, "GET", kProceed},
      {"malformed current etag matches nothing", {{"If-None-Match", "\"\""}}, "GET", kProceed, ""},
  });
}

TEST(Preconditions, IfModifiedSince) {
  check({
      {"at mtime", {{"If-Modified-Since", kAtMtime}}, "GET", kNotModified},
      {"at mtime", {{"If-Modified-Since", kAtMtime}}, "HEAD", kNotModified},
      {"after mtime", {{"If-Modified-Since", kAfter}}, "GET", kNotModified},
      {"in the future (as nginx)", {{"If-Modified-Since", kFuture}}, "GET", kNotModified},
      {"before mtime", {{"If-Modified-Since", kBefore}}, "GET", kProceed},
      {"RFC 850 form", {{"If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT"}}, "GET", kNotModified},
      {"asctime form", {{"If-Modified-Since", "Sun Nov  6 08:49:37 1994"}}, "GET", kNotModified},
      {"invalid date is ignored", {{"If-Modified-Since", "Sun, 06 Nov 1994"}}, "GET", kProceed},
      {"IE length suffix is ignored", {{"If-Modified-Since", std::string(kAtMtime) + "; length=1"}}, "GET", kProceed},
      {"only for GET and HEAD", {{"If-Modified-Since", kAfter}}, "POST", kProceed},
      {"only for GET and HEAD", {{"If-Modified-Since", kAfter}}, "PUT", kProceed},
      {"ignored when If-None-Match is present (no match)",
       {{"If-None-Match", "\"other\""}, {"If-Modified-Since", kAfter}}, "GET", kProceed},
      {"ignored when If-None-Match is present (match)",
       {{"If-None-Match", kTag}, {"If-Modified-Since", kBefore}}, "GET", kNotModified},
  });
}

TEST(Preconditions, OrderOfEvaluation) {
  check({
      {"If-Match failure beats If-None-Match",
       {{"If-Match", "\"x\""}, {"If-None-Match", kTag}}, "GET", kFailed},
      {"If-Unmodified-Since failure beats If-Modified-Since",
       {{"If-Unmodified-Since", kBefore}, {"If-Modified-Since", kAfter}}, "GET", kFailed},
      {"If-Match passes, then If-None-Match matches",
       {{"If-Match", kTag}, {"If-None-Match", kTag}}, "GET", kNotModified},
      {"If-Match passes, then If-None-Match matches on PUT",
       {{"If-Match", "*"}, {"If-None-Match", "*"}}, "PUT", kFailed},
      {"all four agree to proceed",
       {{"If-Match", kTag}, {"If-Unmodified-Since", kAfter}, {"If-None-Match", "\"x\""},
        {"If-Modified-Since", kAfter}},
       "GET", kProceed},
      {"If-Unmodified-Since passes, If-Modified-Since says not modified",
       {{"If-Unmodified-Since", kAfter}, {"If-Modified-Since", kAtMtime}}, "GET", kNotModified},
  });
}

TEST(IfRange, Table) {
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, std::string>> headers;
    bool allows;
    std::string etag = kTag;
  } cases[] = {
      {"no If-Range", {}, true},
      {"no If-Range, weak etag", {}, true, std::string("W/") + kTag},
      {"same strong tag", {{"If-Range", kTag}}, true},
      {"same strong tag, spaces", {{"If-Range", std::string(" ") + kTag + " "}}, true},
      {"other tag", {{"If-Range", "\"other\""}}, false},
      {"weak request tag", {{"If-Range", std::string("W/") + kTag}}, false},
      {"weak current tag", {{"If-Range", kTag}}, false, std::string("W/") + kTag},
      {"a list is not allowed", {{"If-Range", std::string(kTag) + ", \"x\""}}, false},
      {"star is not allowed", {{"If-Range", "*"}}, false},
      {"exact date", {{"If-Range", kAtMtime}}, true},
      {"exact date, asctime", {{"If-Range", "Sun Nov  6 08:49:37 1994"}}, true},
      {"later date", {{"If-Range", kAfter}}, false},
      {"earlier date", {{"If-Range", kBefore}}, false},
      {"invalid date", {{"If-Range", "Sun, 06 Nov 1994"}}, false},
      {"empty", {{"If-Range", ""}}, false},
      {"header name case", {{"if-range", kTag}}, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Validators v{c.etag, kMtime};
    EXPECT_EQ(if_range_allows(make_headers(c.headers), v), c.allows);
  }
}

}  // namespace
}  // namespace hearth
