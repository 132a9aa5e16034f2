// What a dying worker does for the clients it is not answering 500: run from
// the fatal-signal handler (async-signal-safe only), it reads the hand-over
// table (worker/handover/handover_table.h) and, by each connection's state,
// passes the socket to the master (idle ones, and waiting requests that are
// safe to serve again, with their bytes), answers 503 (waiting requests
// that are not), closes WebSockets with 1012 and TLS connections cleanly,
// and counts what it had to cut. Then it tells the master the counts.
#pragma once

namespace hearth {

class HandoverTable;

// Where the handler finds the table and the hand-over channel; set on the
// loop before the first connection. `table` must outlive the process's
// handlers (the worker's).
void arm_crash_handover(const HandoverTable* table, int channel);
void disarm_crash_handover();

// From the handler: every connection but `answered_fd` (the crashing
// request's, already answered 500 when `answered` is true). Bounded in time.
void hand_over_connections(int answered_fd, bool answered);

}  // namespace hearth
