#include "master/master.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "master/exit_status.h"
#include "master/listen_socket.h"
#include "master/listen_sockets.h"
#include "master/pid_file.h"
#include "shared/logging.h"
#include "worker/worker_main.h"

namespace hearth {

namespace {

using Ms = std::chrono::milliseconds;

constexpr int kTickMs = 100;                 // longest sleep of the main loop
constexpr Ms kReloadReadyTimeout{10000};     // new generation must be READY by then
constexpr Ms kAbortGrace{2000};              // SIGABRT, then SIGKILL after this
constexpr Ms kStopGrace{1000};               // beyond shutdown_timeout, for the workers' own timer
constexpr Ms kFastStopGrace{1000};           // SIGTERM, then SIGKILL after this
constexpr Ms kForkRetry{1000};
constexpr int kMaxReadsPerTurn = 16;
constexpr int kMaxHandoversPerTurn = 4096;
constexpr int kMaxReapsPerTurn = 1024;

int clamp_workers(int n) { return std::min(std::max(n, 1), StatusTable::kMaxSlots); }

long long ms_between(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration_cast<Ms>(to - from).count();
}

// "30 s", "1.5 s"
std::string seconds_text(uint64_t ms) {
  return fmt::format("{:g} s", static_cast<double>(ms) / 1000.0);
}

bool same_logs(const LogConfig& a, const LogConfig& b) {
  return a.error_log == b.error_log && a.access_log == b.access_log && a.level == b.level;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

Master::Master(CommandLine cl, Config config, ListenSet listen, TicketKeys* keys, StatusTable* table,
               AppInstanceTable* app_table, PidFileClaim* pid_file, std::unique_ptr<OldMaster> old_master)
    : cl_(std::move(cl)),
      config_(std::move(config)),
      listen_(std::move(listen)),
      ticket_keys_(keys),
      table_(table),
      pid_file_(pid_file),
      apps_(app_table),
      slots_(StatusTable::kMaxSlots + 1),
      workers_(clamp_workers(config_.workers)),
      old_master_(std::move(old_master)) {
  if (config_.workers > workers_) {
    spdlog::warn("workers: {} is more than the {} slots, using {}", config_.workers, workers_, workers_);
  }
}

int Master::run() {
  if (!signals_.install()) {
    spdlog::critical("cannot install signal handlers: {}", strerror(errno));
    return 1;
  }
  started_unix_ = time(nullptr);
  set_process_status_table(table_);
  publish_master();
  write_first_reload_status();
  start_app_instances();
  spdlog::info("master (pid {}) starting {} worker{}", getpid(), workers_, workers_ == 1 ? "" : "s");
  while (!done()) {
    wait_for_events();
    handle_signals();
    read_channels();
    reap_workers();
    pass_on_handovers();
    apps_.tick();
    kill_stale_workers();
    advance_reload();
    advance_upgrade();
    manage_workers();
    advance_stop();
    rotate_ticket_keys();
  }
  spdlog::info("master (pid {}) exiting", getpid());
  return 0;
}

// Before the first worker: a worker that is up before the app would answer
// 502. Bounded by start_timeout; instances late by then keep being
// restarted while the workers start. A stop signal ends the wait (and is
// acted on by the main loop, with the signals that came with it).
void Master::start_app_instances() {
  const UpstreamConfig& u = config_.upstream;
  if (!u.supervised()) return;
  apps_.start(u);
  auto deadline = Clock::now() + Ms(u.start_timeout_ms);
  bool stop = false;
  while (!apps_.all_ready() && !stop && Clock::now() < deadline) {
    wait_for_events();
    stop = defer_signals();
    reap_workers();
    apps_.tick();
    advance_upgrade();  // an old master that died meanwhile is taken over from
  }
  if (!apps_.all_ready() && !stop) {
    spdlog::error("only {} of {} app instances ready after {}; starting the workers anyway", apps_.ready_count(),
                  apps_.wanted(), seconds_text(u.start_timeout_ms));
  }
}

// Keeps the signals for handle_signals(); true when one asks to stop.
bool Master::defer_signals() {
  bool stop = false;
  for (int sig : signals_.take()) {
    deferred_signals_.push_back(sig);
    stop = stop || sig == SIGTERM || sig == SIGQUIT || sig == SIGINT;
  }
  return stop;
}

// --- the main loop's steps --------------------------------------------------

void Master::wait_for_events() {
  std::vector<pollfd> fds;
  fds.reserve(children_.size() + 1);
  fds.push_back({signals_.fd(), POLLIN, 0});
  if (upgrade_ && upgrade_->binary.fd() >= 0) fds.push_back({upgrade_->binary.fd(), POLLIN, 0});
  if (old_master_ && old_master_->fd() >= 0) fds.push_back({old_master_->fd(), POLLIN, 0});
  apps_.add_poll_fds(&fds);
  for (const auto& entry : children_) {
    if (entry.second.fd >= 0) fds.push_back({entry.second.fd, POLLIN, 0});
    if (entry.second.handover_fd >= 0) fds.push_back({entry.second.handover_fd, POLLIN, 0});
  }
  // EINTR just means a signal came: its byte is in the pipe.
  poll(fds.data(), fds.size(), kTickMs);
}

void Master::handle_signals() {
  std::vector<int> taken = std::move(deferred_signals_);
  deferred_signals_.clear();
  for (int sig : signals_.take()) taken.push_back(sig);
  for (int sig : taken) {
    switch (sig) {
      case SIGHUP: begin_reload(); break;
      case SIGTERM:
      case SIGQUIT: begin_graceful_stop(sig); break;
      case SIGINT: begin_fast_stop(); break;
      case SIGUSR1: reopen_all_logs(); break;
      case SIGUSR2: begin_upgrade(); break;
      case SIGTTIN: change_worker_count(+1); break;
      case SIGTTOU: change_worker_count(-1); break;
      default: break;  // SIGCHLD: reaping runs every turn
    }
  }
}

void Master::read_channels() {
  for (auto& entry : children_) {
    read_channel(entry.second);
    read_handovers(entry.second);
  }
}

void Master::reap_workers() {
  for (int i = 0; i < kMaxReapsPerTurn; i++) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    auto it = children_.find(pid);
    if (it == children_.end()) {
      on_other_child_exit(pid, status);
      continue;
    }
    it->second.reaped = true;
    read_channel(it->second);    // its last heartbeat may still be in the socket
    read_handovers(it->second);  // and what its crash handler passed on
    on_child_exit(it->second, status);
    if (it->second.handover_fd >= 0) close(it->second.handover_fd);
    int slot = it->second.slot;
    children_.erase(it);
    publish_slot(slot);
  }
}

void Master::kill_stale_workers() {
  auto now = Clock::now();
  for (auto& entry : children_) {
    Child& c = entry.second;
    if (c.abort_sent_at) {
      if (!c.sigkill_sent && now - *c.abort_sent_at >= kAbortGrace) kill_child(c, SIGKILL, c.kill_reason);
      continue;
    }
    if (c.sigkill_sent) continue;
    if (c.drain_deadline && now >= *c.drain_deadline) {
      // Its own timer should have closed everything: it is stuck.
      spdlog::error("worker {} (pid {}) still draining past its deadline, killing", c.slot, c.pid);
      kill_child(c, SIGKILL, "drain deadline");
      continue;
    }
    uint64_t silent = static_cast<uint64_t>(ms_between(c.last_heard, now));
    if (silent < c.hang_timeout_ms) continue;
    if (c.ready) {
      spdlog::error("worker {} (pid {}) missed heartbeats for {}, killing", c.slot, c.pid,
                    seconds_text(c.hang_timeout_ms));
      kill_child(c, SIGABRT, "missed heartbeats");
    } else {
      spdlog::error("worker {} (pid {}) not ready after {}, killing", c.slot, c.pid,
                    seconds_text(c.hang_timeout_ms));
      kill_child(c, SIGABRT, "never ready");
    }
  }
}

void Master::advance_reload() {
  if (reload_) {
    int ready = 0;
    for (const auto& entry : children_) {
      if (entry.second.generation == reload_->generation && entry.second.ready) ready++;
    }
    if (ready >= reload_->workers) {
      commit_reload();
    } else if (Clock::now() >= reload_->deadline) {
      abandon_reload(fmt::format("only {} of {} new workers ready after {}", ready, reload_->workers,
                                 seconds_text(kReloadReadyTimeout.count())));
    }
  }
  if (!reload_ && reload_again_ && !stopping_) {
    reload_again_ = false;
    begin_reload();
  }
}

void Master::manage_workers() {
  if (stopping_) return;
  auto now = Clock::now();
  for (int slot = 1; slot <= workers_; slot++) {
    if (!has_serving_child(slot) && now >= slots_[slot].spawn_not_before) {
      spawn_worker(slot, generation_, config_, listen_);
    }
  }
  // After TTOU: the serving workers above N drain away.
  for (auto& entry : children_) {
    Child& c = entry.second;
    if (c.generation == generation_ && !c.stopping && c.slot > workers_) send_stop(c, config_.supervisor.retire_timeout_ms);
  }
}

void Master::advance_stop() {
  if (stopping_ && children_.empty()) apps_.stop_all();
  if (!stopping_ || killed_all_ || children_.empty() || Clock::now() < stop_deadline_) return;
  spdlog::warn("{} worker{} still running at the stop deadline, killing", children_.size(),
               children_.size() == 1 ? "" : "s");
  for (auto& entry : children_) kill_child(entry.second, SIGKILL, "stop deadline");
  killed_all_ = true;
}

namespace {

// The shortest ticket_rotation of the TLS listeners; 0 when none issues tickets.
uint64_t key_rotation_ms(const Config& config) {
  uint64_t ms = 0;
  for (const ListenConfig& l : config.listeners) {
    if (!l.tls || !l.tls_config.session_tickets) continue;
    if (ms == 0 || l.tls_config.ticket_rotation_ms < ms) ms = l.tls_config.ticket_rotation_ms;
  }
  return ms;
}

}  // namespace

// A new key encrypts new tickets; the older ones still open tickets issued
// before (shared/ticket_keys.h), so resumption survives a rotation.
void Master::rotate_ticket_keys() {
  uint64_t period = key_rotation_ms(config_);
  if (ticket_keys_ == nullptr || period == 0) return;
  auto now = Clock::now();
  if (next_key_rotation_ == Clock::time_point()) next_key_rotation_ = now + Ms(period);
  if (now < next_key_rotation_) return;
  next_key_rotation_ = now + Ms(period);
  std::string error;
  if (ticket_keys_->rotate(&error)) {
    spdlog::debug("TLS session-ticket keys rotated");
  } else {
    spdlog::error("rotating the TLS session-ticket keys: {}", error);
  }
}

// --- workers ----------------------------------------------------------------

void Master::spawn_worker(int slot, uint64_t generation, const Config& config, const ListenSet& listen) {
  auto now = Clock::now();
  int sv[2], hv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    spdlog::error("worker {}: socketpair() failed: {}", slot, strerror(errno));
    slots_[slot].spawn_not_before = now + kForkRetry;
    return;
  }
  if (!make_handover_channel(hv)) {
    spdlog::error("worker {}: socketpair() for hand-overs failed: {}", slot, strerror(errno));
    close(sv[0]);
    close(sv[1]);
    slots_[slot].spawn_not_before = now + kForkRetry;
    return;
  }
  spdlog::default_logger()->flush();  // or the child would write our buffer again
  SignalBlock block;
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    close(hv[0]);
    become_worker(slot, generation, config, listen, WorkerChannels{sv[1], hv[1]}, &block);
  }
  int err = errno;
  block.release();
  close(sv[1]);
  close(hv[1]);
  if (pid < 0) {
    close(sv[0]);
    close(hv[0]);
    spdlog::error("worker {}: fork() failed: {}", slot, strerror(err));
    slots_[slot].spawn_not_before = now + kForkRetry;
    return;
  }
  set_nonblocking(sv[0]);
  Child& c = children_[pid];
  c.pid = pid;
  c.slot = slot;
  c.generation = generation;
  c.fd = sv[0];
  c.handover_fd = hv[0];
  c.forked_at = c.last_heard = now;
  c.started_unix = time(nullptr);
  c.hang_timeout_ms = config.supervisor.hang_timeout_ms;
  spdlog::debug("worker {} (pid {}) forked, generation {}", slot, pid, generation);
  if (generation == generation_) publish_slot(slot);
}

void Master::become_worker(int slot, uint64_t generation, const Config& config, const ListenSet& listen,
                           WorkerChannels channels, SignalBlock* block) {
  signals_.reset_in_child();
  block->release();
  // Nothing of the master's stays open in a worker but its own channel and
  // its generation's listening sockets.
  for (const auto& entry : children_) {
    if (entry.second.fd >= 0) close(entry.second.fd);
    if (entry.second.handover_fd >= 0) close(entry.second.handover_fd);
  }
  handovers_.close_all_in_child();
  if (&listen != &listen_) close_unshared(listen_, listen);
  if (reload_ && &listen != &reload_->listen) close_unshared(reload_->listen, listen);
  // A link to another master in a worker would keep it from seeing EOF when we die.
  if (upgrade_) upgrade_->binary.close_link();
  if (old_master_) old_master_->close_link();
  apps_.close_fds_in_child();
  std::string error;
  if (!open_logs(config.log, "worker " + std::to_string(slot), &error)) {
    spdlog::error("worker {}: {}", slot, error);
  }
  int status = 1;
  try {
    status = run_worker(config, listen, channels, WorkerIdentity{slot, generation});
  } catch (const std::exception& e) {
    spdlog::critical("worker {}: {}", slot, e.what());
  }
  spdlog::default_logger()->flush();
  _exit(status);
}

void Master::read_channel(Child& c) {
  char buf[4096];
  for (int i = 0; i < kMaxReadsPerTurn && c.fd >= 0; i++) {
    ssize_t n = read(c.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      close_channel(c);  // the worker is on its way out; reaping follows
      return;
    }
    std::vector<Message> messages;
    std::string error;
    bool ok = c.decoder.feed(buf, static_cast<size_t>(n), &messages, &error);
    for (const Message& m : messages) on_message(c, m);
    if (!ok) {
      spdlog::error("worker {} (pid {}) sent a bad message ({}), killing it", c.slot, c.pid, error);
      close_channel(c);
      kill_child(c, SIGKILL, "bad message");
    }
  }
}

// Sockets a crashing worker passed on, and its counts; read to the end
// when it has died (the channel then reports the peer gone).
void Master::read_handovers(Child& c) {
  for (int i = 0; i < kMaxHandoversPerTurn && c.handover_fd >= 0; i++) {
    ReceivedHandover h;
    int got = receive_handover(c.handover_fd, &h);
    if (got == 0) return;
    if (got < 0) {
      close(c.handover_fd);
      c.handover_fd = -1;
      return;
    }
    if (h.kind == HandoverKind::kSummary) {
      c.crash_counts = h.counts;
    } else {
      handovers_.take(c.pid, std::move(h));
    }
  }
}

// To the serving workers that can take them: ready, not on their way out.
void Master::pass_on_handovers() {
  if (handovers_.held() == 0) return;
  std::vector<HandoverRelay::Target> targets;
  for (const auto& entry : children_) {
    const Child& c = entry.second;
    if (c.generation == generation_ && c.ready && !c.stopping && !c.abort_sent_at && !c.reaped &&
        c.handover_fd >= 0) {
      targets.push_back({c.pid, c.handover_fd});
    }
  }
  handovers_.pass_on(targets);
}

void Master::on_message(Child& c, const Message& m) {
  switch (m.type) {
    case MessageType::kReady:
      on_ready(c);
      break;
    case MessageType::kHeartbeat:
      if (!decode_counters(m.payload, &c.counters)) spdlog::warn("worker {}: short heartbeat", c.slot);
      c.last_heard = Clock::now();
      publish_slot(c.slot);
      break;
    case MessageType::kRetiring:
      decode_counters(m.payload, &c.counters);
      c.last_heard = Clock::now();
      if (!c.stopping) {
        c.stopping = true;
        spdlog::info("worker {} (pid {}) retiring after {} requests, starting its replacement", c.slot,
                     c.pid, c.counters.requests_served);
      }
      publish_slot(c.slot);
      break;
    default:
      spdlog::warn("worker {} (pid {}) sent {}, which only the master sends; ignored", c.slot, c.pid,
                   message_type_name(m.type));
      break;
  }
}

void Master::on_ready(Child& c) {
  auto now = Clock::now();
  c.ready = true;
  c.last_heard = now;
  Slot& s = slots_[c.slot];
  if (c.generation == generation_ && s.died_at) {
    spdlog::info("worker {} (pid {}) ready, {} ms after its predecessor died", c.slot, c.pid,
                 ms_between(*s.died_at, now));
    s.died_at.reset();
  } else if (c.generation == generation_) {
    spdlog::info("worker {} (pid {}) ready", c.slot, c.pid);
  } else {
    spdlog::info("worker {} (pid {}) ready, generation {}", c.slot, c.pid, c.generation);
  }
}

void Master::on_child_exit(Child& c, int status) {
  close_channel(c);
  slots_[c.slot].base_requests += c.counters.requests_served;
  c.counters = Counters();
  std::string how = describe_exit(status);
  if (reload_ && c.generation == reload_->generation) {
    spdlog::error("worker {} (pid {}) of the new generation {} {}", c.slot, c.pid, c.generation, how);
    abandon_reload(fmt::format("worker {} of the new generation {}", c.slot, how));
  } else if (c.generation != generation_) {
    spdlog::info("worker {} (pid {}) of generation {} {}", c.slot, c.pid, c.generation, how);
  } else if (c.stopping && exited_cleanly(status)) {
    spdlog::info("worker {} (pid {}) {}", c.slot, c.pid, how);
  } else {
    on_unplanned_death(c, how);
  }
}

void Master::on_unplanned_death(Child& c, const std::string& how) {
  auto now = Clock::now();
  Slot& s = slots_[c.slot];
  std::string cause = c.kill_reason.empty() ? how : how + " (" + c.kill_reason + ")";
  if (c.crash_counts) {
    spdlog::error("worker {} (pid {}) {}; {}", c.slot, c.pid, cause, describe_crash_counts(*c.crash_counts));
  } else {
    spdlog::error("worker {} (pid {}) {}", c.slot, c.pid, cause);
  }
  s.restarts++;
  s.last_exit = cause;
  if (c.stopping || stopping_) return;  // its replacement is running already, or none is wanted
  auto lived = std::chrono::duration_cast<Ms>(now - c.forked_at);
  Ms delay = s.backoff.on_death(lived);
  s.spawn_not_before = now + delay;
  s.died_at = now;
  if (delay.count() > 0) {
    spdlog::warn("worker {} died {} times in a row (crash loop?), next start in {} ms", c.slot,
                 s.backoff.deaths_in_a_row(), delay.count());
  }
}

bool Master::send_message(Child& c, MessageType type, std::string_view payload) {
  if (c.fd < 0) return false;
  std::string frame = encode_frame(type, payload);
  // The channel is nearly always empty, so a whole tiny frame fits; if it
  // does not, the worker is not reading and the caller falls back to kill().
  ssize_t n = send(c.fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n == static_cast<ssize_t>(frame.size());
}

void Master::send_stop(Child& c, uint64_t timeout_ms) {
  if (c.reaped || (c.stopping && c.fd < 0)) return;
  c.stopping = true;
  auto deadline = Clock::now() + Ms(timeout_ms) + kStopGrace;
  if (!c.drain_deadline || deadline < *c.drain_deadline) c.drain_deadline = deadline;
  if (!send_message(c, MessageType::kStop, encode_stop_timeout(timeout_ms))) kill(c.pid, SIGTERM);
}

void Master::kill_child(Child& c, int sig, const std::string& reason) {
  if (c.sigkill_sent || c.reaped) return;
  kill(c.pid, sig);
  c.kill_reason = reason;
  if (sig == SIGKILL) c.sigkill_sent = true;
  else if (!c.abort_sent_at) c.abort_sent_at = Clock::now();
}

void Master::close_channel(Child& c) {
  if (c.fd < 0) return;
  close(c.fd);
  c.fd = -1;
}

bool Master::has_serving_child(int slot) const {
  for (const auto& entry : children_) {
    const Child& c = entry.second;
    if (c.slot == slot && c.generation == generation_ && !c.stopping) return true;
  }
  return false;
}

int Master::ready_workers() const {
  int ready = 0;
  for (const auto& entry : children_) {
    const Child& c = entry.second;
    if (c.generation == generation_ && c.ready && !c.stopping) ready++;
  }
  return ready;
}

// Not a worker: an app instance, the new binary of an upgrade, or one we gave up on.
void Master::on_other_child_exit(pid_t pid, int status) {
  if (apps_.on_exit(pid, status)) return;
  if (upgrade_ && pid == upgrade_->binary.pid()) {
    upgrade_->binary.on_exit(status);
  } else if (pid == successor_) {
    spdlog::error("upgrade: new master {} {} while the old workers drain", pid, describe_exit(status));
  }
}

// --- signals ----------------------------------------------------------------

void Master::begin_reload() {
  if (stopping_) return;
  if (upgrade_ || old_master_) {
    // The new master reads the config itself; a reload now would race it.
    spdlog::warn("SIGHUP during a binary upgrade: refused");
    finish_reload(false, "a binary upgrade is in progress; reload after it");
    return;
  }
  if (reload_) {
    spdlog::info("SIGHUP during a reload: reloading again after it");
    reload_again_ = true;
    return;
  }
  spdlog::info("SIGHUP received, reloading the configuration");
  Config fresh;
  std::string error;
  if (!load_effective_config(cl_, &fresh, &error)) {
    finish_reload(false, error);
    return;
  }
  Reload r;
  r.generation = next_generation_++;
  r.workers = clamp_workers(fresh.workers);
  r.deadline = Clock::now() + kReloadReadyTimeout;
  // The sockets on unchanged addresses carry over; certificates are read again.
  std::vector<int> serving = listen_.fds;
  if (!open_listen_set(fresh, &serving, "", ticket_keys_, &r.listen, &error)) {
    finish_reload(false, error);
    return;
  }
  if (fresh.supervisor.pid_file != config_.supervisor.pid_file || fresh.supervisor.daemon != config_.supervisor.daemon) {
    spdlog::warn("supervisor.pid_file and supervisor.daemon take effect at the next start, not on reload");
  }
  r.config = std::move(fresh);
  reload_ = std::move(r);
  spdlog::info("starting generation {} with {} worker{}", reload_->generation, reload_->workers,
               reload_->workers == 1 ? "" : "s");
  for (int slot = 1; slot <= reload_->workers && reload_; slot++) {
    spawn_worker(slot, reload_->generation, reload_->config, reload_->listen);
  }
}

void Master::commit_reload() {
  Reload r = std::move(*reload_);
  reload_.reset();
  for (auto& entry : children_) {
    // The old generation may finish its downloads, up to retire_timeout.
    if (entry.second.generation != r.generation) send_stop(entry.second, config_.supervisor.retire_timeout_ms);
  }
  close_unshared(listen_, r.listen);  // the old workers keep their own copies while they drain
  listen_ = std::move(r.listen);
  bool logs_changed = !same_logs(r.config.log, config_.log);
  int old_workers = workers_;
  config_ = std::move(r.config);
  generation_ = r.generation;
  workers_ = r.workers;
  if (logs_changed) {
    std::string error;
    if (!open_logs(config_.log, "master", &error)) spdlog::error("reopening logs: {}", error);
  }
  auto now = Clock::now();
  for (int slot = 1; slot < static_cast<int>(slots_.size()); slot++) {
    slots_[slot].backoff.reset();
    slots_[slot].spawn_not_before = now;
    slots_[slot].died_at.reset();
  }
  publish_master();
  for (int slot = 1; slot <= std::max(old_workers, workers_); slot++) publish_slot(slot);
  // The new workers serve; now the app rolls (its own outcome is logged).
  apps_.reload(config_.upstream);
  finish_reload(true, fmt::format("generation {} serving", generation_));
}

void Master::abandon_reload(const std::string& reason) {
  for (auto& entry : children_) {
    if (entry.second.generation == reload_->generation) kill_child(entry.second, SIGKILL, "reload abandoned");
  }
  close_unshared(reload_->listen, listen_);
  reload_.reset();
  finish_reload(false, reason);
}

void Master::finish_reload(bool ok, const std::string& message) {
  if (ok) {
    spdlog::info("reload done: {}", message);
  } else {
    spdlog::error("reload failed: {}; the running workers keep serving", message);
  }
  reloads_finished_++;
  if (!pid_file_->claimed()) return;  // none, or not ours (yet, or any more)
  std::string error;
  if (!write_reload_status(pid_file_->reload_status_file(), {reloads_finished_, ok, message}, &error)) {
    spdlog::error("writing the reload status: {}", error);
  }
}

void Master::write_first_reload_status() {
  if (!pid_file_->claimed()) return;
  std::string error;
  if (!write_reload_status(pid_file_->reload_status_file(), {0, true, "no reload yet"}, &error)) {
    spdlog::error("{}", error);
  }
}

// --- binary upgrade: the old master's side ------------------------------------

void Master::begin_upgrade() {
  if (stopping_) return;
  if (upgrade_) {
    spdlog::warn("SIGUSR2 during an upgrade: refused; still waiting for new master {}", upgrade_->binary.pid());
    return;
  }
  if (old_master_) {
    spdlog::warn("SIGUSR2 while taking over from master {}: refused", old_master_->pid());
    return;
  }
  spdlog::info("SIGUSR2 received, upgrading the binary");
  if (reload_) {
    finish_upgrade(false, "a reload is in progress; upgrade after it");
    return;
  }
  spdlog::info("upgrade: starting {}", cl_.executable);
  upgrade_.emplace();
  std::string error;
  if (!upgrade_->binary.start(cl_.executable, cl_.arguments, listen_.fds, &signals_, &error)) {
    upgrade_.reset();
    finish_upgrade(false, error);
    return;
  }
  upgrade_->timeout_ms = config_.supervisor.upgrade_timeout_ms;
  upgrade_->deadline = Clock::now() + Ms(upgrade_->timeout_ms);
  spdlog::info("upgrade: new master {} started, waiting up to {} for its workers", upgrade_->binary.pid(),
               seconds_text(upgrade_->timeout_ms));
}

void Master::advance_upgrade() {
  if (old_master_) advance_takeover();
  if (upgrade_) watch_new_binary();
}

void Master::watch_new_binary() {
  std::string reason;
  NewBinary::State state = upgrade_->binary.read_reports(&reason);
  const std::optional<int>& exit_status = upgrade_->binary.exit_status();
  if (state == NewBinary::State::kFailed) {
    abandon_upgrade("new binary: " + reason);
  } else if (exit_status) {
    abandon_upgrade("new binary " + describe_exit(*exit_status));
  } else if (state == NewBinary::State::kReady) {
    commit_upgrade();
  } else if (Clock::now() >= upgrade_->deadline) {
    abandon_upgrade("new binary not ready after " + seconds_text(upgrade_->timeout_ms));
  }
}

// The pid file names the new master before the outcome is written, so
// `-s upgrade` finds it there; then the new master is told to take over.
void Master::commit_upgrade() {
  pid_t successor = upgrade_->binary.pid();
  std::string error;
  if (!pid_file_->hand_over(successor, &error)) {
    abandon_upgrade("cannot name the new master in the pid file: " + error);
    return;
  }
  if (!upgrade_->binary.tell_go()) {
    if (!pid_file_->claim(&error)) spdlog::error("writing the pid file back: {}", error);
    abandon_upgrade("new master went away while being told to take over");
    return;
  }
  upgrade_.reset();
  successor_ = successor;
  spdlog::info("upgrade: new master {} ready; draining old workers (at most {})", successor,
               seconds_text(config_.supervisor.retire_timeout_ms));
  finish_upgrade(true, fmt::format("master {} serving (was {})", successor, getpid()));
  stopping_ = true;
  stop_all_workers(config_.supervisor.retire_timeout_ms);
}

// Kills only what the upgrade started; the workers it may have forked see
// their channel close and drain, as after any master's death.
void Master::abandon_upgrade(const std::string& reason) {
  bool running = !upgrade_->binary.exit_status();
  pid_t pid = upgrade_->binary.pid();
  upgrade_->binary.kill_it();
  upgrade_.reset();
  if (running) spdlog::warn("upgrade: killed new master {}", pid);
  finish_upgrade(false, reason);
}

void Master::finish_upgrade(bool ok, const std::string& message) {
  if (ok) {
    spdlog::info("upgrade done: {}", message);
  } else {
    spdlog::error("upgrade failed: {}; the running workers keep serving", message);
  }
  std::string status_file = pid_file_->upgrade_status_file();
  std::string error;
  if (!status_file.empty() && !write_next_status(status_file, ok, message, &error)) {
    spdlog::error("writing the upgrade status: {}", error);
  }
}

// --- binary upgrade: the new master's side ------------------------------------

void Master::advance_takeover() {
  if (!told_ready_ && !stopping_ && ready_workers() >= workers_) {
    spdlog::info("upgrade: {} ready; telling master {}", workers_ == 1 ? "the worker is" : "all workers are",
                 old_master_->pid());
    old_master_->tell_ready();
    told_ready_ = true;
  }
  OldMaster::Heard heard = old_master_->read();
  if (heard != OldMaster::Heard::kNothing) take_over(heard == OldMaster::Heard::kGo);
}

// Told "go", the pid file names us already; an old master that died
// without a word leaves it to us to write.
void Master::take_over(bool handed_over) {
  pid_t old = old_master_->pid();
  old_master_.reset();
  std::string error;
  if (handed_over) {
    pid_file_->adopt();
    spdlog::info("upgrade: master {} handed over; this master serves", old);
  } else {
    spdlog::warn("upgrade: master {} is gone without handing over; taking over", old);
    if (!pid_file_->claim(&error)) spdlog::error("writing the pid file: {}", error);
  }
  write_first_reload_status();
}

void Master::begin_graceful_stop(int sig) {
  if (stopping_) return;
  stopping_ = true;
  uint64_t timeout = config_.supervisor.shutdown_timeout_ms;
  spdlog::info("{} received, stopping gracefully (at most {})", signal_name(sig), seconds_text(timeout));
  if (reload_) abandon_reload("the master is stopping");
  if (upgrade_) abandon_upgrade("the master is stopping");
  stop_all_workers(timeout);
}

void Master::stop_all_workers(uint64_t timeout_ms) {
  for (auto& entry : children_) send_stop(entry.second, timeout_ms);
  stop_deadline_ = Clock::now() + Ms(timeout_ms) + kStopGrace;
}

void Master::begin_fast_stop() {
  if (fast_stop_) return;
  bool was_stopping = stopping_;
  stopping_ = fast_stop_ = true;
  spdlog::info("SIGINT received, stopping now");
  if (reload_) abandon_reload("the master is stopping");
  if (upgrade_) abandon_upgrade("the master is stopping");
  for (auto& entry : children_) {
    if (!entry.second.reaped) kill(entry.second.pid, SIGTERM);
  }
  auto deadline = Clock::now() + kFastStopGrace;
  stop_deadline_ = was_stopping ? std::min(stop_deadline_, deadline) : deadline;
}

void Master::reopen_all_logs() {
  spdlog::info("SIGUSR1 received, reopening logs");
  reopen_logs();
  for (auto& entry : children_) send_message(entry.second, MessageType::kReopen);
}

void Master::change_worker_count(int delta) {
  if (stopping_) return;
  int wanted = clamp_workers(workers_ + delta);
  spdlog::info("{} received, workers {} -> {}", delta > 0 ? "SIGTTIN" : "SIGTTOU", workers_, wanted);
  int old = workers_;
  workers_ = wanted;
  publish_master();
  for (int slot = wanted + 1; slot <= old; slot++) publish_slot(slot);
}

// --- the status table ---------------------------------------------------------

void Master::publish_master() {
  table_->set_master({getpid(), started_unix_, generation_, workers_});
}

void Master::publish_slot(int slot) {
  if (slot < 1 || slot > StatusTable::kMaxSlots) return;
  const Slot& s = slots_[slot];
  SlotStatus st;
  st.requests = s.base_requests;
  st.restarts = s.restarts;
  st.last_exit = s.last_exit;
  for (const auto& entry : children_) {
    const Child& c = entry.second;
    if (c.slot != slot) continue;
    st.requests += c.counters.requests_served;
    if (c.generation == generation_ && !c.stopping) {
      st.pid = c.pid;
      st.started = c.started_unix;
      st.active_connections = c.counters.active_connections;
    }
  }
  table_->set_slot(slot, st);
}

}  // namespace hearth
