#include <hearth/headers.h>

#include <algorithm>

namespace hearth {

namespace {

// ASCII only, as HTTP field names are; std::tolower would consult the locale
// for every byte of every lookup.
inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c | 0x20 : c; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

const std::string* Headers::find(std::string_view name) const {
  for (const Field& f : fields_) {
    if (iequals(f.first, name)) return &f.second;
  }
  return nullptr;
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
  fields_.emplace_back(std::string(name), std::string(value));
}

void Headers::remove(std::string_view name) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const Field& f) { return iequals(f.first, name); }),
                fields_.end());
}

}  // namespace hearth
