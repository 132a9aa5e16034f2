// Only async-signal-safe calls: sendmsg, write, shutdown, recv,
// clock_gettime, nanosleep.
#include "worker/handover/crash_handover.h"

#include <sys/socket.h>
#include <time.h>

#include "ipc/handover.h"
#include "worker/crash_guard.h"
#include "worker/handover/handover_table.h"

namespace hearth {

namespace {

constexpr char k503[] =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Retry-After: 1\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 20\r\n"
    "Connection: close\r\n"
    "\r\n"
    "Service Unavailable\n";
static_assert(sizeof("Service Unavailable\n") - 1 == 20, "Content-Length must match the body");

// A server's close frame (unmasked): 1012 Service Restart (RFC 6455 7.4.1,
// IANA registry), no reason.
constexpr char kClose1012[] = {'\x88', '\x02', '\x03', '\xf4'};

// However many connections, the worker is gone within this (the rest are
// counted as cut).
constexpr long kBudgetNs = 1000L * 1000 * 1000;

const HandoverTable* volatile g_table = nullptr;
volatile int g_channel = -1;

long long now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// One connection, by its state; counts what happened in *c.
void hand_over_one(const HandoverTable::View& v, int channel, bool in_time, CrashCounts* c) {
  switch (v.state) {
    case HandoverState::kIdle:
      if (in_time && send_handover(channel, HandoverKind::kIdle, v.listener, v.fd, nullptr, 0)) {
        c->handed_over++;
      } else {
        c->cut++;
      }
      return;
    case HandoverState::kWaiting:
      if (in_time && send_handover(channel, HandoverKind::kReplay, v.listener, v.fd, v.bytes, v.length)) {
        c->replayed++;
        return;
      }
      [[fallthrough]];
    case HandoverState::kWaitingNoReplay:
      answer_and_close(v.fd, k503, sizeof k503 - 1);
      c->answered_503++;
      return;
    case HandoverState::kWebSocket:
      answer_and_close(v.fd, kClose1012, sizeof kClose1012);
      c->websockets_1012++;
      return;
    case HandoverState::kTls:
      answer_and_close(v.fd, nullptr, 0);
      c->tls_closed++;
      return;
    case HandoverState::kBusy:
      c->cut++;
      return;
    case HandoverState::kFree:
    case HandoverState::kClosing:
      return;
  }
}

}  // namespace

void arm_crash_handover(const HandoverTable* table, int channel) {
  g_table = table;
  g_channel = channel;
}

void disarm_crash_handover() {
  g_table = nullptr;
  g_channel = -1;
}

void hand_over_connections(int answered_fd, bool answered) {
  const HandoverTable* table = g_table;
  int channel = g_channel;
  if (table == nullptr || channel < 0) return;
  CrashCounts counts;
  counts.answered_500 = answered ? 1 : 0;
  long long deadline = now_ns() + kBudgetNs;
  table->visit([&](const HandoverTable::View& v) {
    if (v.fd == answered_fd) return;
    hand_over_one(v, channel, now_ns() < deadline, &counts);
  });
  send_crash_counts(channel, counts);
}

}  // namespace hearth
