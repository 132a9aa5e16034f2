#include "shared/app_instance_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <new>

#include "shared/seqlock.h"

namespace hearth {

namespace {

using seqlock::Word;
using Count = std::atomic<int64_t>;
static_assert(Count::is_always_lock_free, "outstanding counts must be lock-free across processes");

constexpr int kAddressWords = (AppInstanceTable::kMaxAddressText + 1 + 7) / 8;
constexpr int kExitWords = (AppInstanceTable::kMaxExitText + 1 + 7) / 8;

// Every field is an atomic word, so a reader racing the master reads stale
// or torn values (which the sequence check rejects), never undefined
// behaviour. Only the master writes these.
struct EntryRecord {
  Word seq{0};
  Word state{0}, slot{0}, pid{0}, serial{0}, started{0}, restarts{0};
  Word address[kAddressWords];
  Word exit_text[kExitWords];
};

// Written by every worker on every proxied request: on its own cache line,
// so the counting does not keep invalidating the records readers copy.
struct alignas(64) OutstandingCount {
  Count value{0};
};

AppInstanceTable* g_process_table = nullptr;

}  // namespace

struct AppInstanceTable::Region {
  Word version{0};
  EntryRecord entries[kMaxEntries];
  OutstandingCount outstanding[kMaxEntries];
};

const char* app_instance_state_name(AppInstanceState state) {
  switch (state) {
    case AppInstanceState::kFree: return "free";
    case AppInstanceState::kStarting: return "starting";
    case AppInstanceState::kReady: return "ready";
    case AppInstanceState::kDraining: return "draining";
    case AppInstanceState::kStopped: return "stopped";
  }
  return "unknown";
}

std::unique_ptr<AppInstanceTable> AppInstanceTable::create(std::string* error) {
  void* p = mmap(nullptr, sizeof(Region), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    *error = std::string("mmap() of the app instance table failed: ") + strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<AppInstanceTable>(new AppInstanceTable(new (p) Region()));
}

AppInstanceTable::~AppInstanceTable() {
  if (g_process_table == this) g_process_table = nullptr;
  munmap(region_, sizeof(Region));
}

// The record, then the version: a reader that sees the new version finds
// the new record.
void AppInstanceTable::set(int entry, const AppInstanceStatus& s) {
  assert(entry >= 0 && entry < kMaxEntries);
  seqlock::write(&region_->entries[entry], [&](EntryRecord* r) {
    r->state.store(static_cast<uint64_t>(s.state), std::memory_order_relaxed);
    r->slot.store(static_cast<uint64_t>(s.slot), std::memory_order_relaxed);
    r->pid.store(static_cast<uint64_t>(s.pid), std::memory_order_relaxed);
    r->serial.store(s.serial, std::memory_order_relaxed);
    r->started.store(static_cast<uint64_t>(s.started), std::memory_order_relaxed);
    r->restarts.store(s.restarts, std::memory_order_relaxed);
    seqlock::store_text(r->address, s.address.text, kMaxAddressText);
    seqlock::store_text(r->exit_text, s.last_exit, kMaxExitText);
  });
  region_->version.fetch_add(1, std::memory_order_release);
}

// A copy that stayed torn (the master died mid-write) is checked: an
// impossible state reads as free, an address that does not parse as none.
AppInstanceStatus AppInstanceTable::get(int entry) const {
  assert(entry >= 0 && entry < kMaxEntries);
  AppInstanceStatus s;
  std::string address;
  seqlock::read(&region_->entries[entry], [&](const EntryRecord* r) {
    s.state = static_cast<AppInstanceState>(r->state.load(std::memory_order_relaxed));
    s.slot = static_cast<int>(r->slot.load(std::memory_order_relaxed));
    s.pid = static_cast<pid_t>(r->pid.load(std::memory_order_relaxed));
    s.serial = r->serial.load(std::memory_order_relaxed);
    s.started = static_cast<int64_t>(r->started.load(std::memory_order_relaxed));
    s.restarts = static_cast<uint32_t>(r->restarts.load(std::memory_order_relaxed));
    address = seqlock::load_text(r->address);
    s.last_exit = seqlock::load_text(r->exit_text);
  });
  if (s.state > AppInstanceState::kStopped) s.state = AppInstanceState::kFree;  // a torn copy
  // The master wrote a parsed address; parsing again gives the worker the
  // host and port (or path) it connects to.
  std::string ignored;
  if (address.empty() || !parse_upstream_address(address, &s.address, &ignored)) s.address = UpstreamAddress{};
  return s;
}

uint64_t AppInstanceTable::version() const { return region_->version.load(std::memory_order_acquire); }

void AppInstanceTable::add_outstanding(int entry, int delta) {
  assert(entry >= 0 && entry < kMaxEntries);
  region_->outstanding[entry].value.fetch_add(delta, std::memory_order_acq_rel);
}

int64_t AppInstanceTable::outstanding(int entry) const {
  assert(entry >= 0 && entry < kMaxEntries);
  int64_t n = region_->outstanding[entry].value.load(std::memory_order_acquire);
  return n < 0 ? 0 : n;
}

void AppInstanceTable::reset_outstanding(int entry) {
  assert(entry >= 0 && entry < kMaxEntries);
  region_->outstanding[entry].value.store(0, std::memory_order_release);
}

AppInstanceTable* process_app_instance_table() { return g_process_table; }
void set_process_app_instance_table(AppInstanceTable* table) { g_process_table = table; }

}  // namespace hearth
