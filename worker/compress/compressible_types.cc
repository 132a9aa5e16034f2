#include "worker/compress/compressible_types.h"

#include <cctype>

namespace hearth {

namespace {

std::string trimmed_lower(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// `type` is "major/minor", lower case; `pattern` one configured pattern.
bool pattern_matches(std::string_view pattern, std::string_view type) {
  if (pattern == "*" || pattern == "*/*") return true;
  size_t star = pattern.find("/*");
  if (star == std::string_view::npos) return pattern == type;
  std::string_view major = pattern.substr(0, star + 1);  // "text/"
  std::string_view suffix = pattern.substr(star + 2);     // "" or "+json"
  if (type.substr(0, major.size()) != major) return false;
  std::string_view minor = type.substr(major.size());
  if (minor.empty()) return false;
  return suffix.empty() || (minor.size() > suffix.size() && ends_with(minor, suffix));
}

}  // namespace

std::string media_type_of(std::string_view content_type) {
  return trimmed_lower(content_type.substr(0, content_type.find(';')));
}

CompressibleTypes::CompressibleTypes(std::vector<std::string> patterns) {
  for (const std::string& p : patterns) {
    std::string t = trimmed_lower(p);
    if (!t.empty()) patterns_.push_back(std::move(t));
  }
}

bool CompressibleTypes::matches(std::string_view content_type) const {
  std::string type = media_type_of(content_type);
  if (type.find('/') == std::string::npos) return false;
  for (const std::string& p : patterns_) {
    if (pattern_matches(p, type)) return true;
  }
  return false;
}

}  // namespace hearth
