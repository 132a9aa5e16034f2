// An open file shared by the open-file cache and the responses that send
// from it. Closing happens when the last user lets go.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "worker/static/file_version.h"

namespace hearth {

struct OpenFile {
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
  uint64_t size = 0;
  int64_t mtime = 0;  // seconds
  FileVersion version;  // as fstat() saw the file when it was opened
  // Made once when the file is opened, not per response (the hot path).
  std::string etag;           // nginx form: "<mtime hex>-<size hex>"
  std::string last_modified;  // HTTP-date of mtime
  // The whole content of a small file, read when it was opened, so a
  // response is one write of head and body. Empty for larger files.
  std::string small_body;
  bool has_small_body = false;
  OpenFile() = default;
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile();
};

}  // namespace hearth
