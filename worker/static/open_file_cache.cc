#include "worker/static/open_file_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "worker/static/conditional.h"
#include "worker/http/http_date.h"

namespace hearth {

namespace {

int64_t mtime_ns_of(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

std::string real_path_of(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

// Files up to this size are kept in memory with their descriptor.
constexpr uint64_t kSmallFileBytes = 16 * 1024;

// A short read (the file shrank meanwhile) keeps the descriptor path only.
void read_small_body(OpenFile* file) {
  if (file->size == 0 || file->size > kSmallFileBytes) return;
  std::string body(file->size, '\0');
  ssize_t got = pread(file->fd, &body[0], body.size(), 0);
  if (got != static_cast<ssize_t>(body.size())) return;
  file->small_body = std::move(body);
  file->has_small_body = true;
}

}  // namespace

OpenFileCache::OpenFileCache(uint64_t valid_ms, size_t max_entries)
    // 0 entries turns caching off: one entry, checked on every lookup.
    : valid_ms_(max_entries == 0 ? 0 : valid_ms), max_entries_(max_entries == 0 ? 1 : max_entries) {}

const FileInfo& OpenFileCache::lookup(const std::string& path, uint64_t now_ms) {
  auto it = entries_.find(path);
  if (it != entries_.end()) {
    Entry& e = it->second;
    lru_.splice(lru_.begin(), lru_, e.lru);
    if (now_ms - e.checked_ms < valid_ms_ || unchanged(e, path)) {
      if (now_ms - e.checked_ms >= valid_ms_) e.checked_ms = now_ms;
      return e.info;
    }
    e.info = open_path(path, &e.mtime_ns);
    e.checked_ms = now_ms;
    return e.info;
  }
  evict_if_full();
  lru_.push_front(path);
  Entry& e = entries_[path];
  e.lru = lru_.begin();
  e.info = open_path(path, &e.mtime_ns);
  e.checked_ms = now_ms;
  return e.info;
}

// The cached answer still holds when stat() sees the same object.
bool OpenFileCache::unchanged(const Entry& e, const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return e.info.kind == FileInfo::Kind::kMissing;
  switch (e.info.kind) {
    case FileInfo::Kind::kFile:
      return S_ISREG(st.st_mode) && st.st_dev == e.info.file->dev && st.st_ino == e.info.file->ino &&
             static_cast<uint64_t>(st.st_size) == e.info.file->size && mtime_ns_of(st) == e.mtime_ns;
    case FileInfo::Kind::kDirectory:
      return S_ISDIR(st.st_mode);
    default:
      return false;
  }
}

FileInfo OpenFileCache::open_path(const std::string& path, int64_t* mtime_ns) {
  FileInfo info;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    info.kind = (errno == EACCES) ? FileInfo::Kind::kForbidden : FileInfo::Kind::kMissing;
    return info;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return info;
  }
  *mtime_ns = mtime_ns_of(st);
  info.real_path = real_path_of(path);
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    info.kind = FileInfo::Kind::kDirectory;
    return info;
  }
  if (!S_ISREG(st.st_mode)) {  // devices, fifos, sockets are never served
    close(fd);
    info.kind = FileInfo::Kind::kForbidden;
    return info;
  }
  auto file = std::make_shared<OpenFile>();
  file->fd = fd;
  file->dev = st.st_dev;
  file->ino = st.st_ino;
  file->size = static_cast<uint64_t>(st.st_size);
  file->mtime = st.st_mtim.tv_sec;
  file->version = file_version_from_stat(st);
  file->etag = make_etag(file->mtime, file->size);
  file->last_modified = format_http_date(file->mtime);
  read_small_body(file.get());
  info.kind = FileInfo::Kind::kFile;
  info.file = std::move(file);
  return info;
}

void OpenFileCache::evict_if_full() {
  while (entries_.size() >= max_entries_ && !lru_.empty()) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace hearth
