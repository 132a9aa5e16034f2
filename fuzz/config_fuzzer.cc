// The config loader (shared/config.h) on any file content. There is no
// load-from-string entry point, so the input is written to one file in a
// folder made once per process (mkdtemp: relative paths in the file then
// resolve against an empty folder) and rewritten for every input.
// Checks: load_config never throws; on failure *out is untouched and the
// message starts with the file's name; on success the config keeps the
// rules the loader promises (ports, worker count, mount prefixes sorted
// longest first, absolute folders, limits and timeouts consistent).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_util.h"
#include "shared/config.h"

namespace hearth {
namespace {

std::string folder;
std::string file;

void remove_files() {
  if (!file.empty()) ::unlink(file.c_str());
  if (!folder.empty()) ::rmdir(folder.c_str());
}

void make_file() {
  char tmpl[] = "/tmp/hearth-config-fuzz-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  folder = tmpl;
  file = folder + "/hearth.json";
  std::atexit(remove_files);
}

void write_file(const uint8_t* data, size_t size) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0);
  for (size_t off = 0; off < size;) {
    ssize_t n = ::write(fd, data + off, size - off);
    FUZZ_CHECK(n > 0);
    off += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Values no file would produce, to see that a failed load leaves them alone.
Config sentinel() {
  Config c;
  c.file = "sentinel";
  c.listeners[0].port = 4242;
  c.workers = 77;
  c.root = "/sentinel";
  c.index = {"sentinel.html"};
  c.limits.header_bytes = 12345;
  c.gzip.level = 42;
  return c;
}

void check_untouched(const Config& c) {
  FUZZ_CHECK(c.file == "sentinel");
  FUZZ_CHECK(c.listeners[0].port == 4242 && c.workers == 77 && c.root == "/sentinel");
  FUZZ_CHECK(c.index.size() == 1 && c.index[0] == "sentinel.html");
  FUZZ_CHECK(c.limits.header_bytes == 12345 && c.gzip.level == 42);
  FUZZ_CHECK(c.mounts.empty() && c.response_headers.empty());
}

void check_loaded(const Config& c) {
  FUZZ_CHECK(c.file == file);
  FUZZ_CHECK(c.listeners[0].port >= 0 && c.listeners[0].port <= 65535);
  FUZZ_CHECK(c.workers >= 1 && c.workers <= kMaxWorkers);
  FUZZ_CHECK(c.root.empty() || c.root[0] == '/');
  for (size_t i = 0; i < c.mounts.size(); i++) {
    const Mount& m = c.mounts[i];
    FUZZ_CHECK(m.prefix.size() >= 1 && m.prefix.front() == '/' && m.prefix.back() == '/');
    FUZZ_CHECK(!m.dir.empty() && m.dir[0] == '/');
    if (i > 0) FUZZ_CHECK(c.mounts[i - 1].prefix.size() >= m.prefix.size());
  }
  for (const std::string& name : c.index) {
    FUZZ_CHECK(!name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos);
  }
  FUZZ_CHECK(c.limits.request_line_bytes <= c.limits.header_bytes);
  FUZZ_CHECK(c.supervisor.heartbeat_interval_ms < c.supervisor.hang_timeout_ms);
  FUZZ_CHECK(is_log_level(c.log.level));
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  if (file.empty()) make_file();
  write_file(data, size);
  Config c = sentinel();
  std::string error;
  bool ok;
  try {
    ok = load_config(file, &c, &error);
  } catch (...) {
    std::fprintf(stderr, "load_config threw\n");
    __builtin_trap();
  }
  if (!ok) {
    FUZZ_CHECK(error.rfind(file, 0) == 0);
    check_untouched(c);
    return 0;
  }
  check_loaded(c);
  return 0;
}
