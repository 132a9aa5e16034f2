// The supervised app instances (upstream.command, docs/UPSTREAM.md): a
// shared-memory table the master writes and every worker reads, so a worker
// balances over the instances that are ready now, and /status lists them.
//
// Like the status table, the master creates it before forking and is its
// only writer; each entry is guarded by a sequence counter so a reader never
// blocks it. One more thing is written by the workers: each entry's count
// of requests in flight, an atomic the master reads to know when a retired
// instance has drained.
//
// An instance (slot 1..instances) may have two entries for a while: during
// a rolling restart the new one starts while the old one drains.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "shared/upstream_address.h"

namespace hearth {

enum class AppInstanceState : uint8_t {
  kFree,      // the entry holds nothing
  kStarting,  // forked, not ready yet: no requests
  kReady,     // receives requests
  kDraining,  // retired (reload, stop): finishes what it has, gets nothing new
  kStopped,   // dead, waiting for its restart (the entry keeps its last exit)
};

const char* app_instance_state_name(AppInstanceState state);

struct AppInstanceStatus {
  AppInstanceState state = AppInstanceState::kFree;
  int slot = 0;                 // 1..instances
  pid_t pid = 0;
  uint64_t serial = 0;          // unique per start: a worker's pooled connections know theirs
  UpstreamAddress address;      // where it listens
  int64_t started = 0;          // unix seconds
  uint32_t restarts = 0;        // deaths of this slot that were not asked for
  std::string last_exit;        // "exited with code 2", "killed by SIGKILL", "" = none
};

class AppInstanceTable {
 public:
  static constexpr int kMaxEntries = 128;      // two per instance at most
  static constexpr size_t kMaxAddressText = 107;
  static constexpr size_t kMaxExitText = 63;   // longer last_exit text is cut

  // Maps an anonymous shared region. Returns nullptr and sets *error on failure.
  static std::unique_ptr<AppInstanceTable> create(std::string* error);
  ~AppInstanceTable();
  AppInstanceTable(const AppInstanceTable&) = delete;
  AppInstanceTable& operator=(const AppInstanceTable&) = delete;

  // Master. REQUIRES: 0 <= entry < kMaxEntries. Bumps version().
  void set(int entry, const AppInstanceStatus& status);
  // Anyone.
  AppInstanceStatus get(int entry) const;
  // Changes with every set(): a worker re-reads the entries only then.
  uint64_t version() const;

  // Workers: a request to the entry's instance starts (+1) or ends (-1).
  // A worker that does +1 re-reads the entry and undoes it (-1) unless the
  // entry is still kReady with the serial it chose, so a count never
  // outlives its instance by more than that window.
  void add_outstanding(int entry, int delta);
  // Master: how many are in flight, never negative. A worker that dies
  // mid-request never does its -1: the count then stays above 0 and the
  // master falls back on drain_timeout for that instance.
  int64_t outstanding(int entry) const;
  // Master: back to 0 when the entry is given to a new instance, dropping
  // what dead workers left behind (the master prefers free entries whose
  // count is 0 already, so this rarely cuts a live -1).
  void reset_outstanding(int entry);

 private:
  struct Region;
  explicit AppInstanceTable(Region* region) : region_(region) {}
  Region* region_;
};

// The table of this process (master) or inherited by it (workers). The
// master always makes one (a reload may add a command); nullptr only
// without a master (--single), which runs no instances. Entries exist
// only while upstream.command does.
AppInstanceTable* process_app_instance_table();
void set_process_app_instance_table(AppInstanceTable* table);

}  // namespace hearth
