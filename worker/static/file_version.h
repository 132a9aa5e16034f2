// The identity of one version of a file's contents, as far as the kernel can
// tell us without reading it: same device, inode, size and modification and
// change times (nanoseconds) means the same bytes. ctime is included because
// it cannot be set back by tools that preserve mtime (cp -p, rsync --inplace).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>

namespace hearth {

struct FileVersion {
  dev_t dev = 0;
  ino_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;

  bool operator==(const FileVersion& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns &&
           ctime_ns == o.ctime_ns;
  }
  bool operator!=(const FileVersion& o) const { return !(*this == o); }
  int64_t mtime_seconds() const { return mtime_ns / 1000000000; }
};

FileVersion file_version_from_stat(const struct stat& st);

// fstat()s `fd`. Returns false (errno set) when fstat fails.
bool file_version_of_fd(int fd, FileVersion* out);

}  // namespace hearth
