#include "worker/compress/compressible_types.h"

#include <cctype>

#include <hearth/headers.h>

namespace hearth {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string trimmed_lower(std::string_view s) {
  std::string out(trimmed(s));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "Text/HTML; charset=utf-8" -> "Text/HTML", in place.
std::string_view media_type_view(std::string_view content_type) {
  return trimmed(content_type.substr(0, content_type.find(';')));
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

}  // namespace

std::string media_type_of(std::string_view content_type) {
  return trimmed_lower(media_type_view(content_type));
}

CompressibleTypes::CompressibleTypes(std::vector<std::string> patterns) {
  for (const std::string& text : patterns) {
    std::string t = trimmed_lower(text);
    if (t.empty()) continue;
    Pattern p;
    size_t star = t.find("/*");
    if (t == "*" || t == "*/*") {
      p.kind = Pattern::Kind::kEverything;
    } else if (star == std::string::npos) {
      p.kind = Pattern::Kind::kExact;
      p.exact = std::move(t);
    } else {
      p.kind = Pattern::Kind::kSubtypes;
      p.major = t.substr(0, star + 1);
      p.suffix = t.substr(star + 2);
    }
    patterns_.push_back(std::move(p));
  }
}

// `type` is "major/minor" in any case; the pattern is lower case, and
// iequals() folds ASCII only, as std::tolower does in the "C" locale. The
// lengths are compared here, before any call: most patterns lose on them.
bool CompressibleTypes::pattern_matches(const Pattern& p, std::string_view type) {
  switch (p.kind) {
    case Pattern::Kind::kEverything: return true;
    case Pattern::Kind::kExact: return type.size() == p.exact.size() && iequals(type, p.exact);
    case Pattern::Kind::kSubtypes: break;
  }
  if (type.size() <= p.major.size() || !iequals(type.substr(0, p.major.size()), p.major)) return false;
  std::string_view minor = type.substr(p.major.size());
  return p.suffix.empty() || (minor.size() > p.suffix.size() && iends_with(minor, p.suffix));
}

bool CompressibleTypes::matches(std::string_view content_type) const {
  std::string_view type = media_type_view(content_type);
  if (type.find('/') == std::string_view::npos) return false;
  for (const Pattern& p : patterns_) {
    if (pattern_matches(p, type)) return true;
  }
  return false;
}

}  // namespace hearth
