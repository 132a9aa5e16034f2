#include "tests/support/temp_dir.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace hearth::test {

TempDir::TempDir() {
  char tmpl[] = "/tmp/hearth-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  nftw(
      path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

std::string TempDir::mkdir(const std::string& relative) const {
  std::string full = path_;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t slash = relative.find('/', start);
    if (slash == std::string::npos) slash = relative.size();
    full += "/" + relative.substr(start, slash - start);
    ::mkdir(full.c_str(), 0755);
    start = slash + 1;
  }
  return full;
}

std::string TempDir::write(const std::string& relative, const std::string& content) const {
  size_t slash = relative.rfind('/');
  if (slash != std::string::npos) mkdir(relative.substr(0, slash));
  std::string full = path_ + "/" + relative;
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out << content;
  return full;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace hearth::test
