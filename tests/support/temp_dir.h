// A temporary folder removed with everything in it when the object dies.
#pragma once

#include <string>

namespace hearth::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/relative, creating folders on the way.
  std::string write(const std::string& relative, const std::string& content) const;
  std::string mkdir(const std::string& relative) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);

}  // namespace hearth::test
