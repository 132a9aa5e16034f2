// HTTP-date (RFC 9110 section 5.6.7): formatting, parsing and a per-second cache.
// Pure arithmetic in UTC: no locale, no strftime, no TZ.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth {

// The IMF-fixdate form: "Sun, 06 Nov 1994 08:49:37 GMT". Times outside years 0000..9999 are
// clamped to the nearest end of that span.
std::string format_http_date(int64_t unix_seconds);

// Accepts the three forms a recipient must (RFC 9110 5.6.7), surrounded by optional spaces:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"  (years 70..99 are 19xx, 00..69 are 20xx, as nginx)
//   asctime      "Sun Nov  6 08:49:37 1994"       (the day also as "06")
// Names are case-sensitive, as the grammar says. The day name must be a real one but need not
// match the date. A leap second (:60) is accepted and counts as the next minute's first second.
// False, with *unix_seconds untouched, for anything else (bad day of month, trailing bytes...).
bool parse_http_date(std::string_view text, int64_t* unix_seconds);

// The current Date header value, rebuilt at most once per second (the hot path calls it per
// response). Not thread-safe: one per worker loop.
class DateCache {
 public:
  const std::string& now();  // uses time(nullptr)
  // The value for a given second; now() is at(time(nullptr)). The reference stays valid until
  // the next call.
  const std::string& at(int64_t unix_seconds);

 private:
  int64_t second_ = -1;
  std::string text_;
};

}  // namespace hearth
