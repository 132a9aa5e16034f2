#include "worker/compress/compression_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth {
namespace {

FileVersion file(ino_t ino, uint64_t size = 1000, int64_t mtime_ns = 5'000'000'000) {
  FileVersion v;
  v.dev = 7;
  v.ino = ino;
  v.size = size;
  v.mtime_ns = mtime_ns;
  v.ctime_ns = mtime_ns;
  return v;
}

// The cost of an entry with a body of `n` bytes and the ETag "W/\"e\"".
size_t cost_of(size_t n) {
  CompressionCache::Entry e;
  e.bytes.assign(n, 'z');
  e.etag = "W/\"e\"";
  return CompressionCache::cost(e);
}

TEST(CompressionCache, FindsExactlyWhatWasInserted) {
  CompressionCache cache(1 << 20);
  EXPECT_EQ(cache.find(file(1), 1), nullptr);
  cache.insert(file(1), 1, "gz-one", "W/\"1\"");
  auto hit = cache.find(file(1), 1);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->bytes, "gz-one");
  EXPECT_EQ(hit->etag, "W/\"1\"");
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.bytes(), CompressionCache::cost(*hit));
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST(CompressionCache, KeyIncludesDeviceInodeAndLevel) {
  CompressionCache cache(1 << 20);
  cache.insert(file(1), 1, "level1", "W/\"a\"");
  EXPECT_EQ(cache.find(file(1), 6), nullptr);
  EXPECT_EQ(cache.find(file(2), 1), nullptr);
  FileVersion other_dev = file(1);
  other_dev.dev = 8;
  EXPECT_EQ(cache.find(other_dev, 1), nullptr);
  cache.insert(file(1), 6, "level6", "W/\"a\"");
  EXPECT_EQ(cache.find(file(1), 1)->bytes, "level1");
  EXPECT_EQ(cache.find(file(1), 6)->bytes, "level6");
  EXPECT_EQ(cache.entries(), 2u);
}

TEST(CompressionCache, AnyVersionChangeMissesAndDropsTheStaleEntry) {
  FileVersion v = file(1);
  FileVersion changes[4] = {v, v, v, v};
  changes[0].size += 1;
  changes[1].mtime_ns += 1;  // same second, different nanoseconds
  changes[2].ctime_ns += 1;  // mtime set back by a tool, ctime moved
  changes[3].ino += 1;       // replaced by rename: a different file
  for (const FileVersion& changed : changes) {
    CompressionCache cache(1 << 20);
    cache.insert(v, 1, "old", "W/\"old\"");
    EXPECT_EQ(cache.find(changed, 1), nullptr);
    if (changed.ino == v.ino) {
      EXPECT_EQ(cache.entries(), 0u);
      EXPECT_EQ(cache.bytes(), 0u);
      EXPECT_EQ(cache.find(v, 1), nullptr);  // gone, even for the old version
    }
  }
}

TEST(CompressionCache, NewVersionReplacesOldOne) {
  CompressionCache cache(1 << 20);
  cache.insert(file(1, 100), 1, std::string(100, 'a'), "W/\"e\"");
  cache.insert(file(1, 200), 1, std::string(50, 'b'), "W/\"e\"");
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.bytes(), cost_of(50));
  EXPECT_EQ(cache.find(file(1, 200), 1)->bytes, std::string(50, 'b'));
}

TEST(CompressionCache, EvictsLeastRecentlyUsedByBytes) {
  CompressionCache cache(3 * cost_of(1000));
  cache.insert(file(1), 1, std::string(1000, 'a'), "W/\"e\"");
  cache.insert(file(2), 1, std::string(1000, 'b'), "W/\"e\"");
  cache.insert(file(3), 1, std::string(1000, 'c'), "W/\"e\"");
  EXPECT_EQ(cache.entries(), 3u);
  ASSERT_NE(cache.find(file(1), 1), nullptr);  // 1 is now the most recent; 2 the oldest

  cache.insert(file(4), 1, std::string(1000, 'd'), "W/\"e\"");
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_EQ(cache.find(file(2), 1), nullptr);
  EXPECT_NE(cache.find(file(1), 1), nullptr);
  EXPECT_NE(cache.find(file(3), 1), nullptr);
  EXPECT_NE(cache.find(file(4), 1), nullptr);
  EXPECT_LE(cache.bytes(), cache.capacity());

  // A big body pushes out as many as it needs, oldest first: the finds above
  // left the order 4, 3, 1, so 1 goes, then 3.
  cache.insert(file(5), 1, std::string(2000, 'e'), "W/\"e\"");
  EXPECT_LE(cache.bytes(), cache.capacity());
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_EQ(cache.find(file(1), 1), nullptr);
  EXPECT_EQ(cache.find(file(3), 1), nullptr);
  EXPECT_NE(cache.find(file(4), 1), nullptr);
  EXPECT_NE(cache.find(file(5), 1), nullptr);
}

TEST(CompressionCache, BodyLargerThanBudgetIsServedButNotKept) {
  CompressionCache cache(cost_of(1000));
  cache.insert(file(1), 1, std::string(500, 'a'), "W/\"e\"");
  auto big = cache.insert(file(2), 1, std::string(5000, 'b'), "W/\"e\"");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->bytes.size(), 5000u);
  EXPECT_EQ(cache.find(file(2), 1), nullptr);
  EXPECT_NE(cache.find(file(1), 1), nullptr);  // nothing evicted for it

  CompressionCache off(0);
  off.insert(file(1), 1, "x", "W/\"e\"");
  EXPECT_EQ(off.entries(), 0u);
  EXPECT_EQ(off.bytes(), 0u);
}

TEST(CompressionCache, EvictedEntryStaysValidForItsHolder) {
  CompressionCache cache(cost_of(1000));
  auto held = cache.insert(file(1), 1, std::string(1000, 'a'), "W/\"e\"");
  cache.insert(file(2), 1, std::string(1000, 'b'), "W/\"e\"");
  EXPECT_EQ(cache.find(file(1), 1), nullptr);
  EXPECT_EQ(held->bytes, std::string(1000, 'a'));
}

}  // namespace
}  // namespace hearth
