// A seqlock over records in memory shared between processes: one writer (the
// master), readers that never block it. Every field of a record is an atomic
// word, so a reader racing the writer reads stale or torn values, which the
// sequence check rejects, but never undefined behaviour.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>

namespace hearth::seqlock {

using Word = std::atomic<uint64_t>;
static_assert(Word::is_always_lock_free, "shared words must be lock-free across processes");

// A reader gives up after this many torn copies (the writer died mid-write)
// and keeps the last copy.
constexpr int kReadAttempts = 1000;

// Writer side: the sequence is odd while a write is in progress.
template <typename Record, typename Fill>
void write(Record* r, Fill fill) {
  uint64_t s = r->seq.load(std::memory_order_relaxed);
  r->seq.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  fill(r);
  r->seq.store(s + 2, std::memory_order_release);
}

// Reader side: copies until it saw one consistent version. True when it did.
template <typename Record, typename Copy>
bool read(const Record* r, Copy copy) {
  for (int i = 0; i < kReadAttempts; i++) {
    uint64_t before = r->seq.load(std::memory_order_acquire);
    copy(r);
    std::atomic_thread_fence(std::memory_order_acquire);
    uint64_t after = r->seq.load(std::memory_order_relaxed);
    if (before == after && before % 2 == 0) return true;
  }
  return false;
}

// Text in a record: at most `max` bytes (max < N * 8) of `text`, packed
// into words, NUL-padded.
template <int N>
void store_text(Word (&words)[N], const std::string& text, size_t max) {
  char buf[N * 8] = {};
  memcpy(buf, text.data(), std::min({text.size(), max, sizeof(buf) - 1}));
  for (int i = 0; i < N; i++) {
    uint64_t w;
    memcpy(&w, buf + i * 8, 8);
    words[i].store(w, std::memory_order_relaxed);
  }
}

// The text back; a torn copy still ends at the last byte.
template <int N>
std::string load_text(const Word (&words)[N]) {
  char buf[N * 8];
  for (int i = 0; i < N; i++) {
    uint64_t w = words[i].load(std::memory_order_relaxed);
    memcpy(buf + i * 8, &w, 8);
  }
  buf[sizeof(buf) - 1] = '\0';
  return std::string(buf);
}

}  // namespace hearth::seqlock
