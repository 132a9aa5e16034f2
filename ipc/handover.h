// The hand-over channel: a SOCK_SEQPACKET socketpair per worker, apart from
// the master channel, on which a dying worker passes its clients' sockets to
// the master (SCM_RIGHTS) and the master passes them on to a live worker.
//
// One packet is one hand-over: a fixed header, then (for a replay) the bytes
// of the request the client is still waiting for, with the socket attached.
// The last packet of a crash carries no socket: what the handler did, for
// the master's log line. The sending side is async-signal-safe (sendmsg,
// nanosleep): the fatal-signal handler calls it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hearth {

enum class HandoverKind : uint8_t {
  kIdle = 1,     // a keep-alive connection between requests: adopt it
  kReplay = 2,   // a request received, not answered: adopt, then serve the bytes
  kSummary = 3,  // no socket: the CrashCounts of the dying worker
};

// What the fatal-signal handler did with each connection.
struct CrashCounts {
  uint32_t answered_500 = 0;
  uint32_t handed_over = 0;   // idle keep-alives
  uint32_t replayed = 0;      // handed over with their request
  uint32_t answered_503 = 0;  // waiting, but not safe to serve again
  uint32_t websockets_1012 = 0;
  uint32_t tls_closed = 0;    // keys die with the process: closed cleanly
  uint32_t cut = 0;           // mid-request or mid-response
};

// The largest request a replay carries (head, small body, pipelined rest).
constexpr size_t kMaxReplayBytes = 16 * 1024;
// Room a channel needs in each direction so that a dying worker never
// waits on the master: hundreds of hand-overs, replays included.
constexpr int kHandoverBufferBytes = 4 * 1024 * 1024;

// Makes the pair: [0] the master's end, [1] the worker's. False with errno.
bool make_handover_channel(int fds[2]);

// Sends one hand-over of `socket` (or, for kSummary, none). Async-signal-
// safe; waits at most about 50 ms for room. False when it could not.
bool send_handover(int channel, HandoverKind kind, uint8_t listener, int socket, const char* bytes, size_t len);
bool send_crash_counts(int channel, const CrashCounts& counts);

struct ReceivedHandover {
  HandoverKind kind = HandoverKind::kIdle;
  uint8_t listener = 0;
  int socket = -1;  // owned by the receiver (kSummary: -1)
  std::string bytes;
  CrashCounts counts;  // kSummary
};

// One packet, without blocking: 1 when *out has it, 0 when there is none
// now, -1 when the peer is gone. A malformed packet (its socket closed) is
// skipped.
int receive_handover(int channel, ReceivedHandover* out);

// "1 request answered 500, 37 connections handed over, 2 replayed, ..."
std::string describe_crash_counts(const CrashCounts& counts);

}  // namespace hearth
