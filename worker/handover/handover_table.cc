#include "worker/handover/handover_table.h"

#include <sys/mman.h>

#include <atomic>
#include <cassert>
#include <cstring>
#include <new>

#include "ipc/handover.h"

namespace hearth {

namespace {

constexpr uint32_t kSeal = 0x9e3779b9;
constexpr int kMaxFd = 1 << 24;

uint32_t fnv1a(const char* data, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ static_cast<uint8_t>(data[i])) * 16777619u;
  return h;
}

// The handler runs on this thread, between any two of our stores: keep the
// compiler from moving them across the check word.
void order_for_the_handler() { std::atomic_signal_fence(std::memory_order_seq_cst); }

}  // namespace

struct HandoverTable::Entry {
  uint32_t check;    // seal of the fields below; 0 while they change
  int32_t fd;
  uint8_t state;
  uint8_t listener;
  int16_t replay;    // slot of the kept request, -1 for none
  uint32_t length;   // of the kept request
  uint32_t hash;     // of the kept request
};

HandoverTable::HandoverTable(size_t capacity, size_t replay_slots)
    : capacity_(capacity), replay_slots_(replay_slots) {
  assert(replay_slots < 32768);
  size_t entries_bytes = capacity * sizeof(Entry);
  mapped_bytes_ = entries_bytes + replay_slots * kMaxReplayBytes;
  void* p = mmap(nullptr, mapped_bytes_ == 0 ? 1 : mapped_bytes_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  entries_ = static_cast<Entry*>(p);  // zero pages: every entry free (check 0)
  replay_pool_ = static_cast<char*>(p) + entries_bytes;
  free_entries_.reserve(capacity);
  for (size_t i = capacity; i-- > 0;) free_entries_.push_back(static_cast<int>(i));
  for (size_t i = replay_slots; i-- > 0;) free_replays_.push_back(static_cast<int>(i));
}

HandoverTable::~HandoverTable() { munmap(entries_, mapped_bytes_ == 0 ? 1 : mapped_bytes_); }

uint32_t HandoverTable::seal_of(const Entry& e) {
  uint32_t s = kSeal ^ static_cast<uint32_t>(e.fd) * 2654435761u ^ (uint32_t{e.state} << 8) ^
               (uint32_t{e.listener} << 16) ^ static_cast<uint32_t>(static_cast<uint16_t>(e.replay)) * 40503u ^
               e.length * 97u ^ e.hash;
  return s == 0 ? 1 : s;  // 0 means "changing"
}

void HandoverTable::seal(Entry* e) {
  order_for_the_handler();
  e->check = seal_of(*e);
}

int HandoverTable::add(int fd, uint8_t listener) {
  if (free_entries_.empty() || fd < 0 || fd >= kMaxFd) return -1;
  int entry = free_entries_.back();
  free_entries_.pop_back();
  Entry* e = &entries_[entry];
  e->check = 0;
  order_for_the_handler();
  e->fd = fd;
  e->state = static_cast<uint8_t>(HandoverState::kBusy);
  e->listener = listener;
  e->replay = -1;
  e->length = 0;
  e->hash = 0;
  seal(e);
  return entry;
}

void HandoverTable::set(int entry, HandoverState state) {
  if (entry < 0) return;
  Entry* e = &entries_[entry];
  if (e->state == static_cast<uint8_t>(state)) return;
  e->check = 0;
  order_for_the_handler();
  e->state = static_cast<uint8_t>(state);
  seal(e);
}

HandoverState HandoverTable::state(int entry) const {
  return entry < 0 ? HandoverState::kFree : static_cast<HandoverState>(entries_[entry].state);
}

bool HandoverTable::keep_request(int entry, std::string_view bytes) {
  if (entry < 0) return false;
  Entry* e = &entries_[entry];
  if (bytes.size() > kMaxReplayBytes || (e->replay < 0 && free_replays_.empty())) {
    drop_request(entry);
    set(entry, HandoverState::kWaitingNoReplay);
    return false;
  }
  e->check = 0;
  order_for_the_handler();
  if (e->replay < 0) {
    e->replay = static_cast<int16_t>(free_replays_.back());
    free_replays_.pop_back();
  }
  memcpy(replay_pool_ + static_cast<size_t>(e->replay) * kMaxReplayBytes, bytes.data(), bytes.size());
  e->length = static_cast<uint32_t>(bytes.size());
  e->hash = fnv1a(bytes.data(), bytes.size());
  e->state = static_cast<uint8_t>(HandoverState::kWaiting);
  seal(e);
  return true;
}

void HandoverTable::drop_request(int entry) {
  if (entry < 0) return;
  Entry* e = &entries_[entry];
  if (e->replay < 0) return;
  e->check = 0;
  order_for_the_handler();
  free_replays_.push_back(e->replay);
  e->replay = -1;
  e->length = 0;
  e->hash = 0;
  if (e->state == static_cast<uint8_t>(HandoverState::kWaiting)) e->state = static_cast<uint8_t>(HandoverState::kBusy);
  seal(e);
}

void HandoverTable::remove(int entry) {
  if (entry < 0) return;
  drop_request(entry);
  Entry* e = &entries_[entry];
  e->check = 0;
  order_for_the_handler();
  e->state = static_cast<uint8_t>(HandoverState::kFree);
  free_entries_.push_back(entry);
}

int HandoverTable::inspect(size_t i, View* view) const {
  const Entry* e = &entries_[i];
  if (e->check == 0) return 0;
  Entry copy = *e;
  if (seal_of(copy) != copy.check) return -1;
  if (copy.state == 0 || copy.state > static_cast<uint8_t>(HandoverState::kClosing)) return -1;
  if (copy.fd < 0 || copy.fd >= kMaxFd) return -1;
  view->fd = copy.fd;
  view->state = static_cast<HandoverState>(copy.state);
  view->listener = copy.listener;
  view->bytes = nullptr;
  view->length = 0;
  if (view->state == HandoverState::kWaiting) {
    if (copy.replay < 0 || static_cast<size_t>(copy.replay) >= replay_slots_ || copy.length > kMaxReplayBytes) {
      return -1;
    }
    const char* bytes = replay_pool_ + static_cast<size_t>(copy.replay) * kMaxReplayBytes;
    if (fnv1a(bytes, copy.length) != copy.hash) return -1;
    view->bytes = bytes;
    view->length = copy.length;
  }
  return 1;
}

void HandoverTable::corrupt_for_test(int entry, size_t byte, uint8_t value) {
  reinterpret_cast<uint8_t*>(&entries_[entry])[byte % sizeof(Entry)] = value;
}

}  // namespace hearth
