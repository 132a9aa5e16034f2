// What a dying worker's fatal-signal handler may do with each connection,
// kept current by the loop as connections change state, and read by the
// handler when the heap may be corrupt. So it is fixed-size and allocated
// once (mmap, never the heap); each entry carries a check word that the
// handler verifies before trusting it, and a request kept for a replay
// lives in a preallocated slot with its own hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hearth {

enum class HandoverState : uint8_t {
  kFree = 0,
  kIdle,             // between requests, nothing buffered: hand over
  kWaiting,          // a request received, no byte answered; kept for a replay
  kWaitingNoReplay,  // the same, but not safe to serve twice (or too big): 503
  kWebSocket,        // between frames: close 1012
  kTls,              // keys die with us: close cleanly
  kBusy,             // reading a request or sending a response: cut
  kClosing,          // on its way out anyway: left alone
};

class HandoverTable {
 public:
  // `capacity` connections (more are not tracked: they count as cut), of
  // which `replay_slots` may keep a request at a time.
  HandoverTable(size_t capacity, size_t replay_slots);
  ~HandoverTable();
  HandoverTable(const HandoverTable&) = delete;
  HandoverTable& operator=(const HandoverTable&) = delete;

  // A connection on socket `fd` of listener number `listener`, in state
  // kBusy. Returns its entry, or -1 when the table is full.
  int add(int fd, uint8_t listener);
  void set(int entry, HandoverState state);
  HandoverState state(int entry) const;
  // Keeps `bytes` (at most kMaxReplayBytes) for serving the request again
  // elsewhere and sets kWaiting. False (and kWaitingNoReplay) when they do
  // not fit or every replay slot is taken.
  bool keep_request(int entry, std::string_view bytes);
  // Lets the kept request go (answered, or no longer safe to replay).
  void drop_request(int entry);
  void remove(int entry);

  struct View {
    int fd;
    HandoverState state;
    uint8_t listener;
    const char* bytes;  // kWaiting: the request kept; else null
    size_t length;
  };
  // The handler's side, async-signal-safe: visit(view) for every entry in
  // use that passes its checks. Returns how many entries in use failed them.
  template <typename Visit>
  int visit(Visit visit) const {
    int corrupt = 0;
    for (size_t i = 0; i < capacity_; i++) {
      View view;
      int check = inspect(i, &view);
      if (check > 0) visit(view);
      if (check < 0) corrupt++;
    }
    return corrupt;
  }

  size_t capacity() const { return capacity_; }
  // For the unit test of the handler's checks: scribbles over an entry.
  void corrupt_for_test(int entry, size_t byte, uint8_t value);

 private:
  struct Entry;
  // 1 and *view when entry i is in use and sane, 0 when free, -1 when corrupt.
  int inspect(size_t i, View* view) const;
  static uint32_t seal_of(const Entry& e);
  void seal(Entry* e);

  size_t capacity_;
  size_t replay_slots_;
  Entry* entries_;     // mmap'd: capacity_ entries
  char* replay_pool_;  // mmap'd: replay_slots_ * kMaxReplayBytes
  size_t mapped_bytes_;
  std::vector<int> free_entries_;  // the loop's bookkeeping, never read by the handler
  std::vector<int> free_replays_;
};

}  // namespace hearth
