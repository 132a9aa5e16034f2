// Open files and negative lookups kept for a short validity window, like
// nginx's open_file_cache. After the window a path is stat()ed again and a
// changed file (other inode, size or mtime) is reopened, so a changed file is
// served new within `valid_ms`. A file replaced by rename keeps serving its
// old inode consistently until then: never a torn mix of two versions.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "worker/http/response_body.h"

namespace hearth {

struct FileInfo {
  enum class Kind { kMissing, kFile, kDirectory, kForbidden } kind = Kind::kMissing;
  std::shared_ptr<const OpenFile> file;  // kFile only
  std::string real_path;                 // symlinks resolved (kFile, kDirectory)
};

class OpenFileCache {
 public:
  OpenFileCache(uint64_t valid_ms, size_t max_entries);
  OpenFileCache(const OpenFileCache&) = delete;
  OpenFileCache& operator=(const OpenFileCache&) = delete;

  // What is at `path` now (give or take the validity window).
  const FileInfo& lookup(const std::string& path, uint64_t now_ms);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    FileInfo info;
    uint64_t checked_ms = 0;
    int64_t mtime_ns = 0;
    std::list<std::string>::iterator lru;
  };
  static FileInfo open_path(const std::string& path, int64_t* mtime_ns);
  static bool unchanged(const Entry& e, const std::string& path);
  void evict_if_full();

  uint64_t valid_ms_;
  size_t max_entries_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recently used first
};

}  // namespace hearth
