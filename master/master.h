// The master process: forks the workers, watches them and replaces them.
// It runs no request code and has no event loop; its main loop reads like
// gunicorn's arbiter:
//
//   wait (poll on the signal pipe, ~100 ms) -> act on queued signals ->
//   read worker channels -> reap the dead -> tend the app instances ->
//   kill the hung -> advance a reload -> advance a binary upgrade ->
//   spawn back to N -> advance a stop -> rotate the TLS ticket keys
//
// With upstream.command the master also runs the app's instances
// (master/app_instances.h): started and ready before the first worker,
// rolled on reload, stopped once the workers are gone.
//
// Signals: HUP reload, TERM/QUIT graceful stop, INT fast stop, USR1 reopen
// logs, USR2 binary upgrade (master/binary_upgrade.h), TTIN/TTOU one worker
// more/fewer, CHLD reap.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/frame.h"
#include "ipc/handover.h"
#include "master/app_instances.h"
#include "master/binary_upgrade.h"
#include "master/handover_relay.h"
#include "master/pid_file.h"
#include "master/restart_backoff.h"
#include "master/signal_queue.h"
#include "master/command_line.h"
#include "shared/app_instance_table.h"
#include "shared/config.h"
#include "shared/status_table.h"
#include "shared/ticket_keys.h"
#include "worker/listen_set.h"
#include "worker/worker_main.h"

namespace hearth {

class Master {
 public:
  // `listen` holds the bound, listening sockets and the TLS contexts of
  // config.listeners; the master keeps them while it runs (a reload to new
  // addresses replaces them). `keys` are the TLS session-ticket keys the
  // master rotates. `table`, `app_table`, `keys`
  // and `pid_file` must outlive the master; while the master holds the pid file's claim,
  // the status files beside it receive each reload's and upgrade's outcome.
  // `old_master` is set when a binary upgrade started this master: the
  // master it replaces, which hands the pid file over once our workers are
  // all READY (until then this master writes none of the files).
  Master(CommandLine cl, Config config, ListenSet listen, TicketKeys* keys, StatusTable* table,
         AppInstanceTable* app_table, PidFileClaim* pid_file, std::unique_ptr<OldMaster> old_master = nullptr);
  Master(const Master&) = delete;
  Master& operator=(const Master&) = delete;

  // Runs until stopped by a signal. Returns the process exit status.
  int run();

 private:
  using Clock = std::chrono::steady_clock;

  struct Child {
    pid_t pid = 0;
    int slot = 0;
    uint64_t generation = 0;
    int fd = -1;                      // master's end of the channel; -1 once closed
    int handover_fd = -1;             // master's end of the hand-over channel (ipc/handover.h)
    std::optional<CrashCounts> crash_counts;  // what its fatal-signal handler did
    FrameDecoder decoder;
    Clock::time_point forked_at;
    Clock::time_point last_heard;     // fork, READY or the last heartbeat
    int64_t started_unix = 0;
    uint64_t hang_timeout_ms = 0;
    bool ready = false;
    bool stopping = false;            // asked to stop, or retiring: its slot is free
    Counters counters;
    std::string kill_reason;          // set when the master killed it
    std::optional<Clock::time_point> abort_sent_at;
    std::optional<Clock::time_point> drain_deadline;  // stopping: killed if still there by then
    bool sigkill_sent = false;
    bool reaped = false;              // waited for: its pid may belong to someone else now
  };

  struct Slot {
    uint64_t base_requests = 0;       // served by the slot's dead workers
    uint32_t restarts = 0;
    std::string last_exit;
    RestartBackoff backoff;
    Clock::time_point spawn_not_before;
    std::optional<Clock::time_point> died_at;  // for "ready, N ms after ... died"
  };

  struct Reload {
    uint64_t generation = 0;
    Config config;
    ListenSet listen;
    int workers = 0;
    Clock::time_point deadline;
  };

  struct Upgrade {
    NewBinary binary;
    uint64_t timeout_ms = 0;
    Clock::time_point deadline;
  };

  // The main loop's steps.
  void wait_for_events();
  void handle_signals();
  void read_channels();
  void reap_workers();
  void kill_stale_workers();
  void advance_reload();
  void advance_upgrade();
  void manage_workers();
  void advance_stop();
  void rotate_ticket_keys();
  // The app instances stop after the workers, which may be proxying to them.
  bool done() const { return stopping_ && children_.empty() && apps_.stopped(); }
  void start_app_instances();
  bool defer_signals();

  // Workers.
  void spawn_worker(int slot, uint64_t generation, const Config& config, const ListenSet& listen);
  [[noreturn]] void become_worker(int slot, uint64_t generation, const Config& config, const ListenSet& listen,
                                  WorkerChannels channels, SignalBlock* block);
  void read_channel(Child& c);
  void read_handovers(Child& c);
  void pass_on_handovers();
  void on_message(Child& c, const Message& m);
  void on_ready(Child& c);
  void on_child_exit(Child& c, int status);
  void on_unplanned_death(Child& c, const std::string& how);
  bool send_message(Child& c, MessageType type, std::string_view payload = {});
  // Asks `c` to drain within `timeout_ms`; the master kills it a little after.
  void send_stop(Child& c, uint64_t timeout_ms);
  void kill_child(Child& c, int sig, const std::string& reason);
  void close_channel(Child& c);
  bool has_serving_child(int slot) const;
  int ready_workers() const;
  void on_other_child_exit(pid_t pid, int status);

  // Signals.
  void begin_reload();
  void commit_reload();
  void abandon_reload(const std::string& reason);
  void finish_reload(bool ok, const std::string& message);
  void write_first_reload_status();
  void begin_upgrade();
  void watch_new_binary();
  void commit_upgrade();
  void abandon_upgrade(const std::string& reason);
  void finish_upgrade(bool ok, const std::string& message);
  void advance_takeover();
  void take_over(bool handed_over);
  void begin_graceful_stop(int sig);
  void stop_all_workers(uint64_t timeout_ms);
  void begin_fast_stop();
  void reopen_all_logs();
  void change_worker_count(int delta);

  // The status table.
  void publish_master();
  void publish_slot(int slot);

  CommandLine cl_;
  Config config_;                     // of the serving generation
  ListenSet listen_;                  // of the serving generation
  TicketKeys* ticket_keys_;
  HandoverRelay handovers_;           // sockets of a dead worker, on their way to a live one
  Clock::time_point next_key_rotation_;
  StatusTable* table_;
  PidFileClaim* pid_file_;
  SignalQueue signals_;
  std::vector<int> deferred_signals_;  // taken while the app instances started, acted on after
  AppInstances apps_;
  std::map<pid_t, Child> children_;
  std::vector<Slot> slots_;           // index 1..StatusTable::kMaxSlots
  int workers_;                       // N: slots the serving generation fills
  uint64_t generation_ = 1;
  uint64_t next_generation_ = 2;
  std::optional<Reload> reload_;
  bool reload_again_ = false;         // a HUP came during a reload
  uint64_t reloads_finished_ = 0;
  std::optional<Upgrade> upgrade_;    // a new binary we started, not ready yet
  pid_t successor_ = 0;               // the new master we handed over to
  std::unique_ptr<OldMaster> old_master_;  // the master we replace, until it hands over
  bool told_ready_ = false;           // "ready" sent to old_master_
  int64_t started_unix_ = 0;
  bool stopping_ = false;
  bool fast_stop_ = false;
  bool killed_all_ = false;
  Clock::time_point stop_deadline_;
};

}  // namespace hearth
