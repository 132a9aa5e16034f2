// How an app instance stops: retired (a reload's old one, a slot no longer
// wanted, the master's stop), it gets no new requests (draining), then
// SIGTERM once its requests are done or drain_timeout passed, and SIGKILL
// stop_timeout after that. Its exit is then no death: nothing restarts it.
#include <signal.h>

#include <spdlog/spdlog.h>

#include "master/app_instances.h"

namespace hearth {

namespace {

std::string seconds_text(uint64_t ms) { return fmt::format("{:g} s", static_cast<double>(ms) / 1000.0); }

}  // namespace

void AppInstances::stop_all() {
  if (stopping_) return;
  stopping_ = true;
  rolling_.reset();
  if (!instances_.empty()) {
    spdlog::info("stopping {} app instance{}", instances_.size(), instances_.size() == 1 ? "" : "s");
  }
  // The workers are gone: nothing can be in flight, so no draining.
  for (auto& inst : instances_) retire(*inst, false, "the master is stopping");
  for (int slot = 1; slot <= UpstreamConfig::kMaxInstances; slot++) retire_slot(slot, "");
  wanted_ = 0;
}

void AppInstances::retire(Instance& inst, bool drain, const std::string& why) {
  if (inst.retiring || inst.reaped) return;
  inst.retiring = true;
  // Only a ready one can have requests; one still starting just stops.
  inst.drain = drain && inst.state == AppInstanceState::kReady;
  inst.drain_deadline = Clock::now() + Ms(inst.config->drain_timeout_ms);
  inst.state = AppInstanceState::kDraining;
  inst.probe.reset();
  publish(inst);
  spdlog::info("{} retiring: {}", describe(inst), why);
  advance_retiring(inst, Clock::now());
}

// The slot is no longer wanted (fewer instances, no command, stop).
void AppInstances::retire_slot(int slot, const std::string& why) {
  for (auto& inst : instances_) {
    if (inst->slot == slot) retire(*inst, true, why);
  }
  Slot& s = slots_[slot];
  if (s.stopped_entry >= 0) free_entry(s.stopped_entry);
  s = Slot();
}

void AppInstances::advance_retiring(Instance& inst, Clock::time_point now) {
  if (inst.reaped) return;
  if (!inst.term_sent_at) {
    int64_t left = table_->outstanding(inst.entry);
    if (inst.drain && left > 0 && now < inst.drain_deadline) return;
    if (inst.drain && left > 0) {
      spdlog::warn("{} still has {} request{} after drain_timeout ({}), stopping it anyway", describe(inst), left,
                   left == 1 ? "" : "s", seconds_text(inst.config->drain_timeout_ms));
    }
    kill_instance(inst, SIGTERM);
    inst.term_sent_at = now;
  } else if (!inst.kill_sent_at && now >= *inst.term_sent_at + Ms(inst.config->stop_timeout_ms)) {
    spdlog::warn("{} still running {} after SIGTERM, killing", describe(inst),
                 seconds_text(inst.config->stop_timeout_ms));
    inst.kill_reason = "did not stop on SIGTERM";
    kill_instance(inst, SIGKILL);
  }
}

void AppInstances::give_up_on_unreaped(Clock::time_point now) {
  for (size_t i = 0; i < instances_.size();) {
    Instance& inst = *instances_[i];
    if (inst.kill_sent_at && now - *inst.kill_sent_at >= kReapGiveUp) {
      spdlog::error("{} not gone {} after SIGKILL; leaving it", describe(inst), seconds_text(kReapGiveUp.count()));
      free_entry(inst.entry);
      instances_.erase(instances_.begin() + static_cast<long>(i));
    } else {
      i++;
    }
  }
}

void AppInstances::kill_instance(Instance& inst, int sig) {
  if (inst.reaped || inst.kill_sent_at) return;
  kill(inst.process.pid(), sig);
  if (sig == SIGKILL) inst.kill_sent_at = Clock::now();
}

}  // namespace hearth
