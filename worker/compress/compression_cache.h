// Compressed bodies of static files, kept so that each version of a file is
// compressed at most once (nginx compresses it again on every request).
//
// An entry belongs to one file (device, inode), one level and one version of
// that file (size, mtime, ctime: see FileVersion). A lookup with another
// version misses and drops the old entry, so a changed file is never answered
// with stale bytes. The cache is bounded by bytes (compressed body, ETag and
// bookkeeping) and evicts the least recently used entries first; a body
// larger than the whole budget is never kept. Entries are shared: a response
// still sending one keeps it alive after eviction.
//
// Not thread-safe: one cache per worker loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "worker/static/file_version.h"

namespace hearth {

class CompressionCache {
 public:
  struct Entry {
    FileVersion version;
    int level = 0;
    std::string bytes;  // the complete gzip body
    std::string etag;   // weak, e.g. W/"5f3a1c-4000"
  };

  explicit CompressionCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}
  CompressionCache(const CompressionCache&) = delete;
  CompressionCache& operator=(const CompressionCache&) = delete;

  // The entry for exactly this version and level, or nullptr. A hit becomes
  // the most recently used.
  std::shared_ptr<const Entry> find(const FileVersion& version, int level);

  // Stores a body, replacing any entry of the same file and level, evicting
  // as needed. Returns the entry (also when it was too large to keep).
  std::shared_ptr<const Entry> insert(const FileVersion& version, int level, std::string bytes,
                                      std::string etag);

  size_t bytes() const { return bytes_; }
  size_t entries() const { return lru_.size(); }
  size_t capacity() const { return capacity_; }
  // Lookups answered and not answered by find(), since construction.
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

  // What an entry counts against the budget.
  static size_t cost(const Entry& e);

 private:
  struct Key {
    dev_t dev;
    ino_t ino;
    int level;
    bool operator==(const Key& o) const { return dev == o.dev && ino == o.ino && level == o.level; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  using Lru = std::list<std::shared_ptr<const Entry>>;  // front: most recently used

  static Key key_of(const FileVersion& v, int level) { return Key{v.dev, v.ino, level}; }
  void erase(std::unordered_map<Key, Lru::iterator, KeyHash>::iterator it);
  void evict_to(size_t budget);

  size_t capacity_;
  size_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  Lru lru_;
  std::unordered_map<Key, Lru::iterator, KeyHash> index_;
};

}  // namespace hearth
