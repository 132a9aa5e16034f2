#include "worker/http/http_date.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace hearth {
namespace {

// The reference: the C library in the "C" locale (tests never call setlocale).
std::string libc_http_date(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

TEST(HttpDate, FormatKnownDates) {
  struct Case {
    int64_t t;
    const char* text;
  } cases[] = {
      {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
      {784111777, "Sun, 06 Nov 1994 08:49:37 GMT"},
      {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
      {1700000000, "Tue, 14 Nov 2023 22:13:20 GMT"},
      {2147483647, "Tue, 19 Jan 2038 03:14:07 GMT"},
      {2147483648, "Tue, 19 Jan 2038 03:14:08 GMT"},
      {4102444800, "Fri, 01 Jan 2100 00:00:00 GMT"},
      {4107542400, "Mon, 01 Mar 2100 00:00:00 GMT"},  // 2100 is not a leap year
      {253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
      {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},
      {-2208988800, "Mon, 01 Jan 1900 00:00:00 GMT"},
      {-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.t);
    EXPECT_EQ(format_http_date(c.t), c.text);
  }
}

TEST(HttpDate, FormatClampsToFourDigitYears) {
  EXPECT_EQ(format_http_date(INT64_MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(format_http_date(253402300800), "Fri, 31 Dec 9999 23:59:59 GMT");
  EXPECT_EQ(format_http_date(INT64_MIN), "Sat, 01 Jan 0000 00:00:00 GMT");
}

TEST(HttpDate, FormatAgreesWithLibcAcrossYears) {
  // About 4000 points from 1901 to 9999, with odd steps so every weekday, month and hour shows up.
  int checked = 0;
  for (int64_t t = -2145916800; t < 253402300799; t += 63072000 + 86400 * 7 + 3607 + 13) {
    ASSERT_EQ(format_http_date(t), libc_http_date(t)) << t;
    checked++;
  }
  EXPECT_GT(checked, 3000);
  const int64_t y2038 = 2147483647;
  for (int64_t t = y2038 - 100000; t < y2038 + 100000; t += 997) {
    ASSERT_EQ(format_http_date(t), libc_http_date(t)) << t;
  }
}

TEST(HttpDate, ParseThreeForms) {
  struct Case {
    const char* text;
    int64_t t;
  } cases[] = {
      {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
      {"Sun Nov  6 08:49:37 1994", 784111777},
      {"Sun Nov 06 08:49:37 1994", 784111777},
      {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
      {"Wed, 31 Dec 1969 23:59:59 GMT", -1},
      {"Tue, 19 Jan 2038 03:14:08 GMT", 2147483648},
      {"Fri, 01 Jan 2100 00:00:00 GMT", 4102444800},
      {"Fri, 31 Dec 9999 23:59:59 GMT", 253402300799},
      {"Tue, 29 Feb 2000 00:00:00 GMT", 951782400},
      {"Thursday, 01-Jan-70 00:00:00 GMT", 0},
      {"Tuesday, 19-Jan-38 03:14:08 GMT", 2147483648},  // two-digit years below 70 are 20xx
      {"Friday, 31-Dec-99 23:59:59 GMT", 946684799},
      {"Thu Jan  1 00:00:00 1970", 0},
      {"Tue Jan 19 03:14:08 2038", 2147483648},
      {"Mon, 06 Nov 1994 08:49:37 GMT", 784111777},  // a wrong day name is still a day name
      {"Sun, 06 Nov 1994 08:49:60 GMT", 784111800},  // leap second
      {"  Sun, 06 Nov 1994 08:49:37 GMT\t", 784111777},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    int64_t t = 12345;
    ASSERT_TRUE(parse_http_date(c.text, &t));
    EXPECT_EQ(t, c.t);
  }
}

TEST(HttpDate, ParseRejectsInvalid) {
  const char* cases[] = {
      "",
      "GMT",
      "Sun, 06 Nov 1994 08:49:37",              // no zone
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 06 Nov 1994 08:49:37 GMT+1",
      "Sun, 06 Nov 1994 08:49:37 GMT; length=34343",  // old IE extension
      "Sun, 6 Nov 1994 08:49:37 GMT",           // one-digit day in IMF-fixdate
      "Sun, 06 nov 1994 08:49:37 GMT",          // names are case-sensitive
      "sun, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 November 1994 08:49:37 GMT",
      "Xyz, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 00 Nov 1994 08:49:37 GMT",
      "Sun, 31 Nov 1994 08:49:37 GMT",
      "Sun, 29 Feb 1900 00:00:00 GMT",           // 1900 is not a leap year
      "Sun, 29 Feb 2023 00:00:00 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:60:00 GMT",
      "Sun, 06 Nov 1994 08:49:61 GMT",
      "Sun, 06 Nov 1994 8:49:37 GMT",
      "Sun, 06 Nov 1994 08:49 GMT",
      "Sun,  06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMTx",
      "Sun, 06 Nov -994 08:49:37 GMT",
      "Sun, 06 Nov 19a4 08:49:37 GMT",
      "Sunday, 06-Nov-1994 08:49:37 GMT",
      "Sunday, 06-Nov-94 08:49:37",
      "Sun, 06-Nov-94 08:49:37 GMT",
      "Sunday 06-Nov-94 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994",
      "Sun Nov  6 08:49:37 94",
      "Sun Nov  6 08:49:37 1994 GMT",
      "Sun Nov   6 08:49:37 1994",
      "1994-11-06T08:49:37Z",
      "784111777",
  };
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    int64_t t = 12345;
    EXPECT_FALSE(parse_http_date(text, &t));
    EXPECT_EQ(t, 12345);
  }
}

TEST(HttpDate, RoundTripAgreesWithTimegm) {
  for (int64_t t = -2145916800; t < 253402300799; t += 86400 * 400 + 3600 * 5 + 61) {
    std::string text = format_http_date(t);
    int64_t parsed = 0;
    ASSERT_TRUE(parse_http_date(text, &parsed)) << text;
    ASSERT_EQ(parsed, t) << text;
    struct tm tm;
    time_t tt = static_cast<time_t>(t);
    gmtime_r(&tt, &tm);
    ASSERT_EQ(static_cast<int64_t>(timegm(&tm)), parsed) << text;
  }
}

TEST(DateCache, RebuildsOnlyWhenTheSecondChanges) {
  DateCache cache;
  const std::string& a = cache.at(784111777);
  EXPECT_EQ(a, "Sun, 06 Nov 1994 08:49:37 GMT");
  const char* storage = cache.at(784111777).data();
  EXPECT_EQ(cache.at(784111777).data(), storage);  // same second: the stored text, untouched
  EXPECT_EQ(cache.at(784111778), "Sun, 06 Nov 1994 08:49:38 GMT");
  EXPECT_EQ(cache.at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(DateCache, NowIsTheCurrentSecond) {
  DateCache cache;
  time_t before = time(nullptr);
  std::string text = cache.now();
  time_t after = time(nullptr);
  int64_t parsed = 0;
  ASSERT_TRUE(parse_http_date(text, &parsed)) << text;
  EXPECT_GE(parsed, static_cast<int64_t>(before));
  EXPECT_LE(parsed, static_cast<int64_t>(after));
}

}  // namespace
}  // namespace hearth
