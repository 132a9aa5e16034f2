#include "master/handover_relay.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

namespace hearth {

HandoverRelay::~HandoverRelay() {
  for (Held& h : held_) close(h.handover.socket);
}

void HandoverRelay::take(pid_t from, ReceivedHandover handover) {
  if (held_.size() >= kMaxHeld) {
    close(handover.socket);
    return;
  }
  held_.push_back(Held{from, std::move(handover), Clock::now()});
}

bool HandoverRelay::pass_one(Held& held, const std::vector<Target>& targets) {
  for (size_t tries = 0; tries < targets.size(); tries++) {
    const Target& t = targets[next_target_++ % targets.size()];
    if (t.pid == held.from) continue;
    const ReceivedHandover& h = held.handover;
    if (send_handover(t.channel, h.kind, h.listener, h.socket, h.bytes.data(), h.bytes.size())) {
      close(h.socket);  // the worker has its own copy now
      return true;
    }
  }
  return false;
}

void HandoverRelay::pass_on(const std::vector<Target>& targets) {
  auto now = Clock::now();
  size_t expired = 0;
  while (!held_.empty()) {
    Held& h = held_.front();
    if (!targets.empty() && pass_one(h, targets)) {
      held_.pop_front();
      continue;
    }
    if (now - h.since < std::chrono::milliseconds(kMaxHoldMs)) break;  // the rest are younger
    close(h.handover.socket);
    held_.pop_front();
    expired++;
  }
  if (expired > 0) {
    spdlog::warn("{} handed-over connection{} closed: no worker took {} within {} s", expired,
                 expired == 1 ? "" : "s", expired == 1 ? "it" : "them", kMaxHoldMs / 1000);
  }
}

void HandoverRelay::close_all_in_child() {
  for (Held& h : held_) close(h.handover.socket);
  held_.clear();
}

}  // namespace hearth
