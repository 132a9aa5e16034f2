// A worker process: one libuv loop serving HTTP on an already-bound socket.
#pragma once

#include "shared/config.h"
#include "worker/listen_set.h"

namespace hearth {

struct WorkerIdentity {
  int slot = 0;
  uint64_t generation = 0;
};

// The worker's ends of its channels to the master; -1 when running without one.
struct WorkerChannels {
  int master = -1;    // ipc/frame.h: READY, heartbeats, STOP, ...
  int handover = -1;  // ipc/handover.h: sockets of a crash, both ways
};

// Serves on every socket of `listeners` until told to stop.
// Returns the process exit status.
int run_worker(const Config& config, const ListenSet& listeners, WorkerChannels channels, WorkerIdentity id);

}  // namespace hearth
