// A worker process: one libuv loop serving HTTP on an already-bound socket.
#pragma once

#include "shared/config.h"
#include "worker/listen_set.h"

namespace hearth {

struct WorkerIdentity {
  int slot = 0;
  uint64_t generation = 0;
};

// Serves on every socket of `listeners` until told to stop. `channel_fd` is the worker's end
// of the master channel, or -1 when running without a master.
// Returns the process exit status.
int run_worker(const Config& config, const ListenSet& listeners, int channel_fd, WorkerIdentity id);

}  // namespace hearth
