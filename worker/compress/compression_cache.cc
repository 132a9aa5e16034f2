#include "worker/compress/compression_cache.h"

#include <functional>

namespace hearth {

namespace {
constexpr size_t kEntryOverhead = 128;  // list node, map node, Entry itself
}  // namespace

size_t CompressionCache::KeyHash::operator()(const Key& k) const {
  size_t h = std::hash<uint64_t>()(static_cast<uint64_t>(k.ino));
  h ^= std::hash<uint64_t>()(static_cast<uint64_t>(k.dev)) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= std::hash<int>()(k.level) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

size_t CompressionCache::cost(const Entry& e) {
  return e.bytes.size() + e.etag.size() + kEntryOverhead;
}

std::shared_ptr<const CompressionCache::Entry> CompressionCache::find(const FileVersion& version,
                                                                      int level) {
  auto it = index_.find(key_of(version, level));
  if (it == index_.end()) {
    misses_++;
    return nullptr;
  }
  if ((*it->second)->version != version) {
    erase(it);  // that version of the file is gone for good
    misses_++;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  hits_++;
  return *it->second;
}

std::shared_ptr<const CompressionCache::Entry> CompressionCache::insert(const FileVersion& version,
                                                                        int level, std::string bytes,
                                                                        std::string etag) {
  auto entry = std::make_shared<Entry>();
  entry->version = version;
  entry->level = level;
  entry->bytes = std::move(bytes);
  entry->etag = std::move(etag);

  auto old = index_.find(key_of(version, level));
  if (old != index_.end()) erase(old);
  size_t c = cost(*entry);
  if (c > capacity_) return entry;
  evict_to(capacity_ - c);
  lru_.push_front(entry);
  index_.emplace(key_of(version, level), lru_.begin());
  bytes_ += c;
  return entry;
}

void CompressionCache::erase(std::unordered_map<Key, Lru::iterator, KeyHash>::iterator it) {
  bytes_ -= cost(**it->second);
  lru_.erase(it->second);
  index_.erase(it);
}

void CompressionCache::evict_to(size_t budget) {
  while (bytes_ > budget && !lru_.empty()) {
    const Entry& victim = *lru_.back();
    erase(index_.find(key_of(victim.version, victim.level)));
  }
}

}  // namespace hearth
