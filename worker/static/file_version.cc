#include "worker/static/file_version.h"

namespace hearth {

namespace {
int64_t nanoseconds(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

FileVersion file_version_from_stat(const struct stat& st) {
  FileVersion v;
  v.dev = st.st_dev;
  v.ino = st.st_ino;
  v.size = static_cast<uint64_t>(st.st_size);
  v.mtime_ns = nanoseconds(st.st_mtim);
  v.ctime_ns = nanoseconds(st.st_ctim);
  return v;
}

bool file_version_of_fd(int fd, FileVersion* out) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  *out = file_version_from_stat(st);
  return true;
}

}  // namespace hearth
