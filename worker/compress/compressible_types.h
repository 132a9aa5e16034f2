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
  // An empty or absent type never matches. Copies nothing: it runs for
  // every app response.
  bool matches(std::string_view content_type) const;

 private:
  // A pattern taken apart once, when the config is read.
  struct Pattern {
    enum class Kind { kEverything, kExact, kSubtypes } kind;
    std::string exact;   // kExact: "text/css"
    std::string major;   // kSubtypes: "text/" (with the '/')
    std::string suffix;  // kSubtypes: "" or "+json"
  };
  static bool pattern_matches(const Pattern& p, std::string_view type);
  std::vector<Pattern> patterns_;  // from lower-cased, trimmed patterns
};

// "Text/HTML; charset=utf-8" -> "text/html".
std::string media_type_of(std::string_view content_type);

}  // namespace hearth
