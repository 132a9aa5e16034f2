// Which Content-Types are worth compressing on the fly.
//
// Patterns (from config gzip.types), compared case-insensitively against the
// media type with its parameters removed ("text/css; charset=utf-8" is
// "text/css"):
//   "text/css"              exactly that type
//   "text/*"                every subtype of text
//   "application/*+json"    every subtype with that structured suffix
//   "*" or "*/*"            everything
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth {

class CompressibleTypes {
 public:
  explicit CompressibleTypes(std::vector<std::string> patterns);

  // True when `content_type` (a Content-Type header value) matches a pattern.
  // An empty or absent type never matches.
  bool matches(std::string_view content_type) const;

 private:
  std::vector<std::string> patterns_;  // lower-cased, trimmed
};

// "Text/HTML; charset=utf-8" -> "text/html".
std::string media_type_of(std::string_view content_type);

}  // namespace hearth
