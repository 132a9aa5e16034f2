#include "master/app_instances.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include <spdlog/spdlog.h>

#include "master/exit_status.h"

extern char** environ;

namespace hearth {

namespace {

long long ms_since(std::chrono::steady_clock::time_point from) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - from).count();
}

std::string seconds_text(uint64_t ms) { return fmt::format("{:g} s", static_cast<double>(ms) / 1000.0); }

}  // namespace

constexpr AppInstances::Ms AppInstances::kReapGiveUp;

AppInstances::AppInstances(AppInstanceTable* table)
    : table_(table), slots_(UpstreamConfig::kMaxInstances + 1), entry_used_(AppInstanceTable::kMaxEntries, false) {}

AppInstances::~AppInstances() = default;

void AppInstances::start(const UpstreamConfig& config) {
  if (!config.supervised()) return;
  auto shared = std::make_shared<const UpstreamConfig>(config);
  wanted_ = std::min(config.instances, UpstreamConfig::kMaxInstances);
  for (int slot = 1; slot <= wanted_; slot++) slots_[slot].config = shared;
  spdlog::info("starting {} app instance{} of {}", wanted_, wanted_ == 1 ? "" : "s", config.command[0]);
  restart_dead_slots();
}

int AppInstances::ready_count() const {
  int ready = 0;
  for (int slot = 1; slot <= wanted_; slot++) {
    ready += std::any_of(instances_.begin(), instances_.end(), [&](const auto& i) {
      return i->slot == slot && i->state == AppInstanceState::kReady && !i->retiring && !i->reaped;
    });
  }
  return ready;
}

void AppInstances::add_poll_fds(std::vector<pollfd>* fds) const {
  for (const auto& inst : instances_) {
    if (inst->process.output_fd() >= 0) fds->push_back({inst->process.output_fd(), POLLIN, 0});
    if (inst->probe && inst->probe->poll_fd().fd >= 0) fds->push_back(inst->probe->poll_fd());
  }
}

void AppInstances::tick() {
  auto now = Clock::now();
  for (auto& inst : instances_) {
    inst->process.read_output();
    if (inst->reaped) continue;
    if (inst->retiring) advance_retiring(*inst, now);
    else if (inst->state == AppInstanceState::kStarting) check_readiness(*inst, now);
  }
  if (stopping_) give_up_on_unreaped(now);
  if (rolling_) advance_rolling();
  if (!stopping_) restart_dead_slots();
}

bool AppInstances::on_exit(pid_t pid, int wait_status) {
  auto it = std::find_if(instances_.begin(), instances_.end(),
                         [&](const auto& i) { return i->process.pid() == pid && !i->reaped; });
  if (it == instances_.end()) return false;
  Instance& inst = **it;
  inst.reaped = true;
  inst.process.finish_output();
  std::string cause = describe_exit(wait_status) + (inst.kill_reason.empty() ? "" : " (" + inst.kill_reason + ")");
  std::string output = inst.process.last_output();
  std::string line = describe(inst) + " " + cause + (output.empty() ? "" : "; last output: " + output);
  if (inst.retiring) {
    spdlog::info("{} stopped: {}", describe(inst), cause);  // asked for: its output tells nothing
    free_entry(inst.entry);
  } else if (inst.incoming) {
    spdlog::error("{}", line);
    free_entry(inst.entry);
    if (rolling_ && rolling_->incoming == inst.serial) abandon_rolling("the new " + describe(inst) + " " + cause);
  } else {
    on_unplanned_death(inst, cause, line);
  }
  int slot = inst.slot;
  instances_.erase(it);
  publish_slot(slot);
  return true;
}

void AppInstances::close_fds_in_child() const {
  for (const auto& inst : instances_) {
    if (inst->process.output_fd() >= 0) close(inst->process.output_fd());
    if (inst->probe && inst->probe->poll_fd().fd >= 0) close(inst->probe->poll_fd().fd);
  }
}

// --- starting ---------------------------------------------------------------

AppInstances::Instance* AppInstances::start_instance(int slot, std::shared_ptr<const UpstreamConfig> config,
                                                     bool incoming) {
  auto inst = std::make_unique<Instance>();
  inst->slot = slot;
  inst->serial = next_serial_++;
  inst->config = std::move(config);
  inst->incoming = incoming;
  inst->entry = allocate_entry();
  AppLaunch launch;
  std::string error = "no free entry in the app instance table";
  if (inst->entry < 0 || !prepare_launch(*inst, &launch, &error) || !inst->process.spawn(launch, &error)) {
    if (inst->entry >= 0) free_entry(inst->entry);
    on_start_failed(slot, incoming, error);
    return nullptr;
  }
  Slot& s = slots_[slot];
  if (!incoming && s.stopped_entry >= 0) free_entry(s.stopped_entry);  // the new one takes over the row
  if (!incoming) s.stopped_entry = -1;
  inst->forked_at = Clock::now();
  inst->ready_deadline = inst->forked_at + Ms(inst->config->start_timeout_ms);
  inst->started_unix = time(nullptr);
  inst->probe = std::make_unique<ReadinessProbe>(inst->address, inst->config->ready);
  std::string argv;
  for (const std::string& arg : launch.argv) argv += (argv.empty() ? "" : " ") + arg;
  spdlog::info("{} started: {}", describe(*inst), argv);
  publish(*inst);
  instances_.push_back(std::move(inst));
  return instances_.back().get();
}

bool AppInstances::prepare_launch(Instance& inst, AppLaunch* launch, std::string* error) {
  const UpstreamConfig& c = *inst.config;
  std::string port, socket, text;
  if (c.uses_socket()) {
    socket = sockets_.path_for(inst.slot, inst.serial, error);
    if (socket.empty()) return false;
    text = "unix:" + socket;
  } else {
    int number = pick_free_port(ports_in_use(), error);
    if (number == 0) return false;
    port = std::to_string(number);
    text = "127.0.0.1:" + port;
  }
  if (!parse_upstream_address(text, &inst.address, error)) return false;
  auto variables = c.environment;
  // Last, so it wins: the address is the master's choice, not the config's.
  variables.emplace_back(socket.empty() ? "PORT" : "SOCKET", socket.empty() ? port : socket);
  launch->argv = substitute_command(c.command, port, socket);
  launch->environment = app_environment(environ, variables);
  launch->directory = c.directory;
  launch->output = c.output;
  launch->log_prefix = "app[" + std::to_string(inst.slot) + "] ";
  return true;
}

// Paced like a death, so a failure that lasts (no fd, no memory) cannot spin.
void AppInstances::on_start_failed(int slot, bool incoming, const std::string& reason) {
  spdlog::error("app instance {}: cannot start: {}", slot, reason);
  if (incoming) return;  // the rolling restart gives up; the old one serves on
  Slot& s = slots_[slot];
  s.last_exit = "cannot start: " + reason;
  s.start_not_before = Clock::now() + std::max(s.backoff.on_death(Ms(0)), RestartBackoff::kFirstDelay);
  if (s.stopped_entry < 0) s.stopped_entry = allocate_entry();
  publish_slot(slot);
}

void AppInstances::restart_dead_slots() {
  auto now = Clock::now();
  for (int slot = 1; slot <= wanted_; slot++) {
    if (!serving_instance(slot, true) && now >= slots_[slot].start_not_before) {
      start_instance(slot, slots_[slot].config, false);
    }
  }
}

void AppInstances::check_readiness(Instance& inst, Clock::time_point now) {
  if (inst.kill_sent_at) return;
  if (inst.probe->step(Ms(0))) {
    on_ready(inst);
    return;
  }
  if (now < inst.ready_deadline) return;
  inst.kill_reason = "not ready after " + seconds_text(inst.config->start_timeout_ms);
  spdlog::error("{} {} ({}), killing", describe(inst), inst.kill_reason, inst.probe->last_failure());
  kill_instance(inst, SIGKILL);
  if (inst.incoming && rolling_) abandon_rolling("the new " + describe(inst) + " was " + inst.kill_reason);
}

void AppInstances::on_ready(Instance& inst) {
  inst.state = AppInstanceState::kReady;
  inst.probe.reset();
  Slot& s = slots_[inst.slot];
  if (s.died_at && !inst.incoming) {
    spdlog::info("{} ready, {} ms after its predecessor died", describe(inst), ms_since(*s.died_at));
    s.died_at.reset();
  } else {
    spdlog::info("{} ready in {} ms", describe(inst), ms_since(inst.forked_at));
  }
  publish(inst);
}

void AppInstances::on_unplanned_death(Instance& inst, const std::string& cause, const std::string& line) {
  spdlog::error("{}", line);
  Slot& s = slots_[inst.slot];
  s.restarts++;
  s.last_exit = cause;
  if (serving_instance(inst.slot, true) != nullptr || inst.slot > wanted_) {
    free_entry(inst.entry);  // a sibling serves the slot (a rolling restart's new one)
    return;
  }
  s.stopped_entry = inst.entry;
  auto now = Clock::now();
  Ms delay = s.backoff.on_death(std::chrono::duration_cast<Ms>(now - inst.forked_at));
  s.start_not_before = now + delay;
  s.died_at = now;
  if (delay.count() > 0) {
    spdlog::warn("app instance {} died {} times in a row (crash loop?), next start in {} ms", inst.slot,
                 s.backoff.deaths_in_a_row(), delay.count());
  }
}

// --- the table --------------------------------------------------------------

void AppInstances::publish(const Instance& inst) {
  const Slot& s = slots_[inst.slot];
  AppInstanceStatus st;
  st.state = inst.state;
  st.slot = inst.slot;
  st.pid = inst.process.pid();
  st.serial = inst.serial;
  st.address = inst.address;
  st.started = inst.started_unix;
  st.restarts = s.restarts;
  st.last_exit = s.last_exit;
  table_->set(inst.entry, st);
}

// Every row of the slot, after its counters changed: its instances and,
// while it waits for a restart, the dead one's row.
void AppInstances::publish_slot(int slot) {
  for (const auto& inst : instances_) {
    if (inst->slot == slot && !inst->reaped) publish(*inst);
  }
  const Slot& s = slots_[slot];
  if (s.stopped_entry < 0) return;
  AppInstanceStatus st;
  st.state = AppInstanceState::kStopped;
  st.slot = slot;
  st.restarts = s.restarts;
  st.last_exit = s.last_exit;
  table_->set(s.stopped_entry, st);
}

// A free entry, preferably one no worker still counts a request on (a
// worker that died mid-request leaves its +1 behind).
int AppInstances::allocate_entry() {
  int chosen = -1;
  for (int e = 0; e < AppInstanceTable::kMaxEntries; e++) {
    if (entry_used_[e]) continue;
    if (chosen < 0) chosen = e;
    if (table_->outstanding(e) == 0) {
      chosen = e;
      break;
    }
  }
  if (chosen < 0) return -1;
  entry_used_[chosen] = true;
  table_->reset_outstanding(chosen);
  return chosen;
}

void AppInstances::free_entry(int entry) {
  if (entry < 0) return;
  entry_used_[entry] = false;
  table_->set(entry, AppInstanceStatus{});
}

AppInstances::Instance* AppInstances::find_serial(uint64_t serial) {
  for (auto& inst : instances_) {
    if (inst->serial == serial) return inst.get();
  }
  return nullptr;
}

AppInstances::Instance* AppInstances::serving_instance(int slot, bool with_incoming) {
  for (auto& inst : instances_) {
    if (inst->slot == slot && !inst->retiring && !inst->reaped && (with_incoming || !inst->incoming)) return inst.get();
  }
  return nullptr;
}

std::vector<int> AppInstances::ports_in_use() const {
  std::vector<int> ports;
  for (const auto& inst : instances_) {
    if (!inst->reaped && inst->address.port > 0) ports.push_back(inst->address.port);
  }
  return ports;
}

std::string AppInstances::describe(const Instance& inst) const {
  return fmt::format("app instance {} (pid {}, {})", inst.slot, inst.process.pid(), inst.address.text);
}

}  // namespace hearth
