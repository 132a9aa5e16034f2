// Crash drills: routes that fail on purpose, to prove the supervisor copes.
// Registered only when the config says `drills: true`; never in production.
// Like /status, dispatch lets only `status.allow` clients (loopback by
// default) reach them.
//   /debug/segv    a real SIGSEGV (a store into the unmapped first page)
//   /debug/abort   abort()
//   /debug/throw   throws std::runtime_error (the engine answers 500, lives on)
//   /debug/hang    spins forever (heartbeats stop; the master kills it)
//   /debug/exit    answers a minimal 500, then _exit(3)
//   /debug/sleep?ms=N  blocks the worker for N ms (at most 10000), then 200
//   /debug/bad-frame   writes a malformed frame to the master channel (the
//                      master kills and replaces the worker); needs a master
#pragma once

#include "worker/app/router.h"

namespace hearth {

void register_drill_routes(Router& router);
// /debug/bad-frame, for a worker whose master channel is `channel_fd`.
void register_channel_drill(Router& router, int channel_fd);

}  // namespace hearth
