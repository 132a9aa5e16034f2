// A reload's rolling restart of the app instances, one slot at a time:
// start the slot's new instance beside the old one (a second entry,
// starting), and once it is ready let it take requests, retire the old one
// (draining, then SIGTERM once its requests are done or drain_timeout
// passed), then the next slot. At no moment has a slot nothing ready, so a
// deploy of the app costs no request.
//
// A new instance that dies or is not ready within start_timeout ends the
// rolling restart: it is killed and the old instances serve on, each slot
// with the config it ran (slots already replaced keep their new one).
#include <signal.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "master/app_instances.h"

namespace hearth {

void AppInstances::reload(const UpstreamConfig& config) {
  if (stopping_) return;
  auto fresh = std::make_shared<const UpstreamConfig>(config);
  if (rolling_) abandon_rolling("a newer reload replaces it", false);
  int old_count = wanted_;
  int new_count = config.supervised() ? std::min(config.instances, UpstreamConfig::kMaxInstances) : 0;
  if (old_count == 0 && new_count == 0) return;
  if (new_count == 0) {
    spdlog::info("upstream.command is gone from the config: retiring {} app instance{}", old_count,
                 old_count == 1 ? "" : "s");
  }
  for (int slot = new_count + 1; slot <= old_count; slot++) retire_slot(slot, "not in the new config");
  auto now = Clock::now();
  for (int slot = 1; slot <= new_count; slot++) {
    // As for workers: a new config deserves a fresh start, not the old crash count.
    slots_[slot].backoff.reset();
    slots_[slot].start_not_before = now;
    if (slot > old_count) slots_[slot].config = fresh;  // restart_dead_slots() starts it
  }
  wanted_ = new_count;
  int rolled = std::min(old_count, new_count);
  if (new_count > old_count) spdlog::info("starting {} more app instance{}", new_count - old_count,
                                          new_count - old_count == 1 ? "" : "s");
  if (rolled == 0) return;
  spdlog::info("rolling restart of {} app instance{}, one at a time", rolled, rolled == 1 ? "" : "s");
  rolling_ = Rolling{fresh, 1, rolled, 0, 0, now};
  advance_rolling();  // slot 1's new instance starts now, not a tick later
}

void AppInstances::advance_rolling() {
  // Bounded: each pass finishes a slot or waits.
  for (int i = 0; rolling_ && i <= UpstreamConfig::kMaxInstances; i++) {
    if (rolling_->slot > rolling_->last_slot) {
      spdlog::info("rolling restart done: {} app instance{} replaced in {} ms", rolling_->last_slot,
                   rolling_->last_slot == 1 ? "" : "s",
                   std::chrono::duration_cast<Ms>(Clock::now() - rolling_->started).count());
      rolling_.reset();
      return;
    }
    if (!roll_slot()) return;
    rolling_->slot++;
    rolling_->incoming = rolling_->outgoing = 0;
  }
}

bool AppInstances::roll_slot() {
  int slot = rolling_->slot;
  if (rolling_->incoming == 0) {
    Instance* old = serving_instance(slot, false);
    if (old == nullptr) {
      // Dead and waiting for its restart: that restart runs the new config.
      slots_[slot].config = rolling_->config;
      return true;
    }
    uint64_t outgoing = old->serial;
    Instance* fresh = start_instance(slot, rolling_->config, true);
    if (fresh == nullptr) {
      abandon_rolling("cannot start the new app instance " + std::to_string(slot));
      return false;
    }
    rolling_->incoming = fresh->serial;
    rolling_->outgoing = outgoing;
    return false;
  }
  Instance* fresh = find_serial(rolling_->incoming);
  if (fresh == nullptr || fresh->reaped || fresh->state != AppInstanceState::kReady) return false;
  Instance* old = find_serial(rolling_->outgoing);
  if (fresh->incoming) {
    // Ready: it serves the slot from now on, with the config it runs.
    fresh->incoming = false;
    slots_[slot].config = rolling_->config;
    if (old != nullptr) retire(*old, true, fmt::format("replaced by pid {}", fresh->process.pid()));
  }
  // The next slot once this one's old instance got its SIGTERM (or is gone).
  return old == nullptr || old->reaped || old->term_sent_at.has_value();
}

// Kills the incoming instance (it is not needed); every slot keeps what it runs.
void AppInstances::abandon_rolling(const std::string& reason, bool failed) {
  if (!rolling_) return;
  Rolling r = std::move(*rolling_);
  rolling_.reset();
  Instance* fresh = r.incoming != 0 ? find_serial(r.incoming) : nullptr;
  if (fresh != nullptr && fresh->incoming && !fresh->reaped) {
    if (fresh->kill_reason.empty()) fresh->kill_reason = "rolling restart abandoned";
    kill_instance(*fresh, SIGKILL);
  }
  spdlog::log(failed ? spdlog::level::err : spdlog::level::info,
              "rolling restart of the app instances abandoned at instance {} of {}: {}; the old instances keep serving",
              r.slot, r.last_slot, reason);
}

}  // namespace hearth
