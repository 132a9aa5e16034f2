// Conditional requests (RFC 9110 section 13): ETags, preconditions and If-Range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <hearth/headers.h>

namespace hearth {

// nginx's ETag form: "<mtime hex>-<size hex>" with the quotes, e.g. "\"5f3a1b2c-400\"".
// A negative mtime (before 1970) is written as 0.
std::string make_etag(int64_t mtime, uint64_t size);

// Views into strings the caller keeps (a cached file's or gzip's ETag).
struct Validators {
  std::string_view etag;  // with quotes, maybe W/ prefixed
  int64_t mtime;     // Last-Modified, unix seconds
};

enum class Precondition { kProceed, kNotModified, kFailed };

// Evaluates If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since in the order of
// RFC 9110 13.2.2 for a representation that exists:
//   If-Match present and no strong match            -> kFailed (412)
//   else If-Unmodified-Since valid and mtime > date   -> kFailed
//   If-None-Match weakly matches ("*" always does)    -> kNotModified for GET/HEAD, else kFailed
//   else (no If-None-Match) GET/HEAD and If-Modified-Since valid and mtime <= date -> kNotModified
//   otherwise kProceed.
// Invalid dates are ignored. A malformed entity-tag list matches up to the first malformed
// member. Only the first field of each name is read (Headers::find).
Precondition evaluate_preconditions(const Headers& headers, const std::string& method,
                                    const Validators& v);

// True when a Range may be honoured: no If-Range, or If-Range holds a strong ETag equal to
// v.etag (itself strong), or an HTTP date exactly equal to v.mtime.
bool if_range_allows(const Headers& headers, const Validators& v);

}  // namespace hearth
