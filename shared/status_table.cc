#include "shared/status_table.h"

#include <sys/mman.h>

#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <new>

#include "shared/seqlock.h"

namespace hearth {

namespace {

using seqlock::Word;

constexpr int kExitWords = (StatusTable::kMaxExitText + 1) / 8;

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
  seqlock::write(&region_->master, [&](MasterRecord* r) {
    r->pid.store(static_cast<uint64_t>(s.pid), std::memory_order_relaxed);
    r->started.store(static_cast<uint64_t>(s.started), std::memory_order_relaxed);
    r->generation.store(s.generation, std::memory_order_relaxed);
    r->workers.store(static_cast<uint64_t>(s.workers), std::memory_order_relaxed);
  });
}

MasterStatus StatusTable::master() const {
  MasterStatus s;
  seqlock::read(&region_->master, [&](const MasterRecord* r) {
    s.pid = static_cast<pid_t>(r->pid.load(std::memory_order_relaxed));
    s.started = static_cast<int64_t>(r->started.load(std::memory_order_relaxed));
    s.generation = r->generation.load(std::memory_order_relaxed);
    s.workers = static_cast<int>(r->workers.load(std::memory_order_relaxed));
  });
  return s;
}

void StatusTable::set_slot(int slot, const SlotStatus& s) {
  assert(slot >= 1 && slot <= kMaxSlots);
  seqlock::write(&region_->slots[slot - 1], [&](SlotRecord* r) {
    r->pid.store(static_cast<uint64_t>(s.pid), std::memory_order_relaxed);
    r->started.store(static_cast<uint64_t>(s.started), std::memory_order_relaxed);
    r->requests.store(s.requests, std::memory_order_relaxed);
    r->active.store(s.active_connections, std::memory_order_relaxed);
    r->restarts.store(s.restarts, std::memory_order_relaxed);
    seqlock::store_text(r->exit_text, s.last_exit, StatusTable::kMaxExitText);
  });
}

SlotStatus StatusTable::slot(int slot) const {
  assert(slot >= 1 && slot <= kMaxSlots);
  SlotStatus s;
  seqlock::read(&region_->slots[slot - 1], [&](const SlotRecord* r) {
    s.pid = static_cast<pid_t>(r->pid.load(std::memory_order_relaxed));
    s.started = static_cast<int64_t>(r->started.load(std::memory_order_relaxed));
    s.requests = r->requests.load(std::memory_order_relaxed);
    s.active_connections = static_cast<uint32_t>(r->active.load(std::memory_order_relaxed));
    s.restarts = static_cast<uint32_t>(r->restarts.load(std::memory_order_relaxed));
    s.last_exit = seqlock::load_text(r->exit_text);
  });
  return s;
}

StatusTable* process_status_table() { return g_process_table; }
void set_process_status_table(StatusTable* table) { g_process_table = table; }

}  // namespace hearth
