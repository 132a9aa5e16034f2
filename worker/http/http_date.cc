#include "worker/http/http_date.h"

#include <ctime>

namespace hearth {

namespace {

constexpr const char* kDayNames[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kLongDayNames[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
constexpr const char* kMonthNames[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kMinSeconds = -62167219200;  // 0000-01-01T00:00:00Z
constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z

struct CivilTime {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute, second;
};

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The inverse of days_from_civil.
void civil_from_days(int64_t z, CivilTime* t) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  t->day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t->month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t->year = yoe + era * 400 + (t->month <= 2);
}

bool is_leap_year(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

char* put_digits(char* p, int64_t v, int width) {
  for (int i = width - 1; i >= 0; i--, v /= 10) p[i] = static_cast<char>('0' + v % 10);
  return p + width;
}

char* put_text(char* p, const char* s) {
  while (*s) *p++ = *s++;
  return p;
}

// Reads a date from left to right; every step fails once one has failed.
class DateReader {
 public:
  explicit DateReader(std::string_view s) : s_(s) {}

  bool ok() const { return ok_; }
  bool at_end() const { return ok_ && s_.empty(); }
  char peek(size_t i) const { return i < s_.size() ? s_[i] : '\0'; }

  void literal(std::string_view lit) {
    if (ok_ && s_.substr(0, lit.size()) == lit) {
      s_.remove_prefix(lit.size());
    } else {
      ok_ = false;
    }
  }

  void digits(int width, int64_t* value) {
    int64_t v = 0;
    for (int i = 0; i < width && ok_; i++) {
      char c = peek(0);
      ok_ = c >= '0' && c <= '9';
      v = v * 10 + (c - '0');
      s_.remove_prefix(ok_ ? 1 : 0);
    }
    if (ok_) *value = v;
  }

  // The index of the name in `names` that the text starts with.
  int name(const char* const* names, int count) {
    for (int i = 0; i < count && ok_; i++) {
      std::string_view n(names[i]);
      if (s_.substr(0, n.size()) == n) {
        s_.remove_prefix(n.size());
        return i;
      }
    }
    ok_ = false;
    return -1;
  }

  void month(CivilTime* t) { t->month = name(kMonthNames, 12) + 1; }

  void time_of_day(CivilTime* t) {
    int64_t h = 0, m = 0, s = 0;
    digits(2, &h);
    literal(":");
    digits(2, &m);
    literal(":");
    digits(2, &s);
    t->hour = static_cast<int>(h);
    t->minute = static_cast<int>(m);
    t->second = static_cast<int>(s);
  }

 private:
  std::string_view s_;
  bool ok_ = true;
};

void read_day(DateReader* r, CivilTime* t) {
  int64_t day = 0;
  r->digits(2, &day);
  t->day = static_cast<int>(day);
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool read_imf_fixdate(DateReader* r, CivilTime* t) {
  r->name(kDayNames, 7);
  r->literal(", ");
  read_day(r, t);
  r->literal(" ");
  r->month(t);
  r->literal(" ");
  r->digits(4, &t->year);
  r->literal(" ");
  r->time_of_day(t);
  r->literal(" GMT");
  return r->at_end();
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
bool read_rfc850(DateReader* r, CivilTime* t) {
  r->name(kLongDayNames, 7);
  r->literal(", ");
  read_day(r, t);
  r->literal("-");
  r->month(t);
  r->literal("-");
  int64_t yy = 0;
  r->digits(2, &yy);
  t->year = yy < 70 ? 2000 + yy : 1900 + yy;
  r->literal(" ");
  r->time_of_day(t);
  r->literal(" GMT");
  return r->at_end();
}

// "Sun Nov  6 08:49:37 1994"
bool read_asctime(DateReader* r, CivilTime* t) {
  r->name(kDayNames, 7);
  r->literal(" ");
  r->month(t);
  r->literal(" ");
  if (r->peek(0) == ' ') {
    r->literal(" ");
    int64_t day = 0;
    r->digits(1, &day);
    t->day = static_cast<int>(day);
  } else {
    read_day(r, t);
  }
  r->literal(" ");
  r->time_of_day(t);
  r->literal(" ");
  r->digits(4, &t->year);
  return r->at_end();
}

bool is_valid(const CivilTime& t) {
  return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= days_in_month(t.year, t.month) &&
         t.hour <= 23 && t.minute <= 59 && t.second <= 60;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string format_http_date(int64_t unix_seconds) {
  if (unix_seconds < kMinSeconds) unix_seconds = kMinSeconds;
  if (unix_seconds > kMaxSeconds) unix_seconds = kMaxSeconds;
  const int64_t days = floor_div(unix_seconds, kSecondsPerDay);
  const int64_t secs = unix_seconds - days * kSecondsPerDay;
  CivilTime t;
  civil_from_days(days, &t);
  const int64_t weekday = (days % 7 + 11) % 7;  // 1970-01-01 was a Thursday (4)

  char buf[32];
  char* p = put_text(buf, kDayNames[weekday]);
  p = put_text(p, ", ");
  p = put_digits(p, t.day, 2);
  *p++ = ' ';
  p = put_text(p, kMonthNames[t.month - 1]);
  *p++ = ' ';
  p = put_digits(p, t.year, 4);
  *p++ = ' ';
  p = put_digits(p, secs / 3600, 2);
  *p++ = ':';
  p = put_digits(p, secs / 60 % 60, 2);
  *p++ = ':';
  p = put_digits(p, secs % 60, 2);
  p = put_text(p, " GMT");
  return std::string(buf, p);
}

bool parse_http_date(std::string_view text, int64_t* unix_seconds) {
  text = trim_ows(text);
  DateReader reader(text);
  CivilTime t{};
  bool read;
  if (text.size() > 3 && text[3] == ',') {
    read = read_imf_fixdate(&reader, &t);
  } else if (text.size() > 3 && text[3] == ' ') {
    read = read_asctime(&reader, &t);
  } else {
    read = read_rfc850(&reader, &t);
  }
  if (!read || !is_valid(t)) return false;
  *unix_seconds = days_from_civil(t.year, t.month, t.day) * kSecondsPerDay + t.hour * 3600 +
                  t.minute * 60 + t.second;
  return true;
}

const std::string& DateCache::now() { return at(static_cast<int64_t>(time(nullptr))); }

const std::string& DateCache::at(int64_t unix_seconds) {
  if (unix_seconds != second_) {
    text_ = format_http_date(unix_seconds);
    second_ = unix_seconds;
  }
  return text_;
}

}  // namespace hearth
