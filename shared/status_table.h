// The status table: a small shared-memory scoreboard (like Apache's) that the
// master writes and every worker can read, for GET /status.
//
// The master creates it before forking, so all workers map the same pages.
// Only the master writes; readers never block it: each record is guarded by
// a sequence counter (a seqlock) and a reader retries a bounded number of
// times when it raced a write.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace hearth {

struct MasterStatus {
  pid_t pid = 0;
  int64_t started = 0;      // unix seconds
  uint64_t generation = 0;  // bumped by every successful reload
  int workers = 0;          // slots in use: 1..workers
};

struct SlotStatus {
  pid_t pid = 0;                    // current worker, 0 while none
  int64_t started = 0;              // unix seconds the current worker was forked
  uint64_t requests = 0;            // served by this slot across restarts
  uint32_t active_connections = 0;  // of the current worker, at its last heartbeat
  uint32_t restarts = 0;            // deaths that were not asked for
  std::string last_exit;            // "killed by SIGSEGV", "exited with code 3", "" = none
};

class StatusTable {
 public:
  static constexpr int kMaxSlots = 256;  // = the config's kMaxWorkers
  static constexpr size_t kMaxExitText = 47;  // longer last_exit text is cut

  // Maps an anonymous shared region. Returns nullptr and sets *error on failure.
  static std::unique_ptr<StatusTable> create(std::string* error);
  ~StatusTable();
  StatusTable(const StatusTable&) = delete;
  StatusTable& operator=(const StatusTable&) = delete;

  void set_master(const MasterStatus& status);
  MasterStatus master() const;
  // REQUIRES: 1 <= slot <= kMaxSlots.
  void set_slot(int slot, const SlotStatus& status);
  SlotStatus slot(int slot) const;

 private:
  struct Region;
  explicit StatusTable(Region* region) : region_(region) {}
  Region* region_;
};

// The table this process publishes to (master) or reads (workers, which
// inherit the pointer across fork). nullptr when there is none.
StatusTable* process_status_table();
void set_process_status_table(StatusTable* table);

}  // namespace hearth
