#include "shared/status_table.h"

#include <sys/mman.h>

#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <new>

namespace hearth {

namespace {

using Word = std::atomic<uint64_t>;
static_assert(Word::is_always_lock_free, "status table words must be lock-free across processes");

constexpr int kExitWords = (StatusTable::kMaxExitText + 1) / 8;
constexpr int kReadAttempts = 1000;

// Every field is an atomic word, so a reader racing the writer reads stale or
// torn values (which the sequence check rejects) but never undefined behaviour.
struct MasterRecord {
  Word seq{0};
  Word pid{0}, started{0}, generation{0}, workers{0};
};

struct SlotRecord {
  Word seq{0};
  Word pid{0}, started{0}, requests{0}, active{0}, restarts{0};
  Word exit_text[kExitWords];
};

// Writer side of the seqlock: odd while a write is in progress.
template <typename Record, typename Fill>
void write_record(Record* r, Fill fill) {
  uint64_t s = r->seq.load(std::memory_order_relaxed);
  r->seq.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  fill(r);
  r->seq.store(s + 2, std::memory_order_release);
}

// Reader side: copies until it saw one consistent version, or gives up after
// kReadAttempts (the writer died mid-write) and returns the last copy.
template <typename Record, typename Out, typename Copy>
Out read_record(const Record* r, Copy copy) {
  Out out;
  for (int i = 0; i < kReadAttempts; i++) {
    uint64_t before = r->seq.load(std::memory_order_acquire);
    out = copy(r);
    std::atomic_thread_fence(std::memory_order_acquire);
    uint64_t after = r->seq.load(std::memory_order_relaxed);
    if (before == after && before % 2 == 0) break;
  }
  return out;
}

void store_text(Word* words, const std::string& text) {
  char buf[kExitWords * 8] = {};
  memcpy(buf, text.data(), std::min(text.size(), StatusTable::kMaxExitText));
  for (int i = 0; i < kExitWords; i++) {
    uint64_t w;
    memcpy(&w, buf + i * 8, 8);
    words[i].store(w, std::memory_order_relaxed);
  }
}

std::string load_text(const Word* words) {
  char buf[kExitWords * 8];
  for (int i = 0; i < kExitWords; i++) {
    uint64_t w = words[i].load(std::memory_order_relaxed);
    memcpy(buf + i * 8, &w, 8);
  }
  buf[sizeof(buf) - 1] = '\0';
  return std::string(buf);
}

StatusTable* g_process_table = nullptr;

}  // namespace

struct StatusTable::Region {
  MasterRecord master;
  SlotRecord slots[kMaxSlots];
};

std::unique_ptr<StatusTable> StatusTable::create(std::string* error) {
  void* p = mmap(nullptr, sizeof(Region), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    *error = std::string("mmap() of the status table failed: ") + strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<StatusTable>(new StatusTable(new (p) Region()));
}

StatusTable::~StatusTable() {
  if (g_process_table == this) g_process_table = nullptr;
  munmap(region_, sizeof(Region));
}

void StatusTable::set_master(const MasterStatus& s) {
  write_record(&region_->master, [&](MasterRecord* r) {
    r->pid.store(static_cast<uint64_t>(s.pid), std::memory_order_relaxed);
    r->started.store(static_cast<uint64_t>(s.started), std::memory_order_relaxed);
    r->generation.store(s.generation, std::memory_order_relaxed);
    r->workers.store(static_cast<uint64_t>(s.workers), std::memory_order_relaxed);
  });
}

MasterStatus StatusTable::master() const {
  return read_record<MasterRecord, MasterStatus>(&region_->master, [](const MasterRecord* r) {
    MasterStatus s;
    s.pid = static_cast<pid_t>(r->pid.load(std::memory_order_relaxed));
    s.started = static_cast<int64_t>(r->started.load(std::memory_order_relaxed));
    s.generation = r->generation.load(std::memory_order_relaxed);
    s.workers = static_cast<int>(r->workers.load(std::memory_order_relaxed));
    return s;
  });
}

void StatusTable::set_slot(int slot, const SlotStatus& s) {
  assert(slot >= 1 && slot <= kMaxSlots);
  write_record(&region_->slots[slot - 1], [&](SlotRecord* r) {
    r->pid.store(static_cast<uint64_t>(s.pid), std::memory_order_relaxed);
    r->started.store(static_cast<uint64_t>(s.started), std::memory_order_relaxed);
    r->requests.store(s.requests, std::memory_order_relaxed);
    r->active.store(s.active_connections, std::memory_order_relaxed);
    r->restarts.store(s.restarts, std::memory_order_relaxed);
    store_text(r->exit_text, s.last_exit);
  });
}

SlotStatus StatusTable::slot(int slot) const {
  assert(slot >= 1 && slot <= kMaxSlots);
  return read_record<SlotRecord, SlotStatus>(&region_->slots[slot - 1], [](const SlotRecord* r) {
    SlotStatus s;
    s.pid = static_cast<pid_t>(r->pid.load(std::memory_order_relaxed));
    s.started = static_cast<int64_t>(r->started.load(std::memory_order_relaxed));
    s.requests = r->requests.load(std::memory_order_relaxed);
    s.active_connections = static_cast<uint32_t>(r->active.load(std::memory_order_relaxed));
    s.restarts = static_cast<uint32_t>(r->restarts.load(std::memory_order_relaxed));
    s.last_exit = load_text(r->exit_text);
    return s;
  });
}

StatusTable* process_status_table() { return g_process_table; }
void set_process_status_table(StatusTable* table) { g_process_table = table; }

}  // namespace hearth
