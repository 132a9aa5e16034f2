// An ordered list of HTTP header fields with case-insensitive lookup.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth {

bool iequals(std::string_view a, std::string_view b);

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // First value of `name`, or nullptr.
  const std::string* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // Replaces every field called `name` by one with `value`.
  void set(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value);
  void remove(std::string_view name);
  void clear() { fields_.clear(); }
  void reserve(size_t n) { fields_.reserve(n); }

  const std::vector<Field>& fields() const { return fields_; }
  std::vector<Field>& fields() { return fields_; }

 private:
  std::vector<Field> fields_;
};

}  // namespace hearth
