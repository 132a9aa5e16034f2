// The master's supervisor of upstream.command (docs/UPSTREAM.md,
// "Supervised instances"): slots 1..instances, each kept running on an
// address of its own, published in the AppInstanceTable the workers balance
// over. Like the workers' supervision, it has no loop of its own: the
// master calls tick() every turn and hands it the exits it reaps.
//
//   start -> starting (probed each tick, up to start_timeout) -> ready
//   exit (not asked for) -> stopped, logged with its last output, restarted
//     with the workers' per-slot backoff (RestartBackoff)
//   retire (reload, fewer instances, stop) -> draining: no new requests;
//     SIGTERM once its requests are done (or drain_timeout), SIGKILL after
//     stop_timeout
//
// A reload rolls the slots one at a time (app_rolling_restart.cc). Files:
// app_instance_retiring.cc (draining, SIGTERM, SIGKILL, stop),
// app_command.* (argv, environment, addresses), app_process.* (fork, exec,
// output), app_instance_probe.* (readiness).
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "master/app_command.h"
#include "master/app_instance_probe.h"
#include "master/app_process.h"
#include "master/restart_backoff.h"
#include "shared/app_instance_table.h"
#include "shared/config.h"

namespace hearth {

class AppInstances {
 public:
  using Clock = std::chrono::steady_clock;
  using Ms = std::chrono::milliseconds;
  // A process SIGKILLed this long ago and still not reaped (stuck in the
  // kernel) no longer holds up the master's exit.
  static constexpr Ms kReapGiveUp{5000};

  // `table` must outlive this; it is where every change is published.
  explicit AppInstances(AppInstanceTable* table);
  ~AppInstances();  // removes the socket folder; the processes are not touched
  AppInstances(const AppInstances&) = delete;
  AppInstances& operator=(const AppInstances&) = delete;

  // Starts the instances of `config` (nothing without a command).
  void start(const UpstreamConfig& config);
  int wanted() const { return wanted_; }
  // Slots with a ready instance; all_ready() when that is every slot.
  int ready_count() const;
  bool all_ready() const { return ready_count() >= wanted_; }

  // What to wait for: output pipes, readiness checks on their way.
  void add_poll_fds(std::vector<pollfd>* fds) const;
  // One turn of the master's loop: output, readiness, retiring, restarts,
  // the rolling restart. Never blocks.
  void tick();
  // The master reaped `pid`: false when it is not one of ours.
  bool on_exit(pid_t pid, int wait_status);

  // HUP: roll every slot onto `config`, one at a time; start or retire the
  // difference in instances.
  void reload(const UpstreamConfig& config);
  // Master stop (its workers are gone): every instance retired at once,
  // no restarts from now on.
  void stop_all();
  // stop_all() was called and every process is reaped (or given up on).
  bool stopped() const { return stopping_ && instances_.empty(); }

  // In a freshly forked worker: closes the master's pipes and sockets (a
  // worker holding a pipe open would outlive what it reads).
  void close_fds_in_child() const;

 private:
  struct Instance {
    int slot = 0;
    int entry = -1;                                  // in the table
    uint64_t serial = 0;
    std::shared_ptr<const UpstreamConfig> config;
    UpstreamAddress address;
    AppProcess process;
    std::unique_ptr<ReadinessProbe> probe;           // while starting
    AppInstanceState state = AppInstanceState::kStarting;
    bool incoming = false;                           // a rolling restart's new one, until ready
    bool retiring = false;                           // asked to stop: its exit is no death
    bool drain = false;                              // retiring: its requests finish first
    Clock::time_point forked_at, ready_deadline, drain_deadline;
    std::optional<Clock::time_point> term_sent_at, kill_sent_at;
    int64_t started_unix = 0;
    std::string kill_reason;                         // why the master killed it
    bool reaped = false;                             // its pid may be someone else's now
  };
  struct Slot {
    std::shared_ptr<const UpstreamConfig> config;  // what the slot runs; nullptr = not wanted
    uint32_t restarts = 0;
    std::string last_exit;
    RestartBackoff backoff;
    Clock::time_point start_not_before;
    int stopped_entry = -1;                          // the dead one's row, until its replacement starts
    std::optional<Clock::time_point> died_at;        // for "ready, N ms after its predecessor died"
  };
  struct Rolling {
    std::shared_ptr<const UpstreamConfig> config;
    int slot = 1;            // being replaced
    int last_slot = 0;
    uint64_t incoming = 0;   // serial of the slot's new instance, 0 = not started yet
    uint64_t outgoing = 0;   // serial of the one it replaces
    Clock::time_point started;
  };

  // app_instances.cc
  Instance* start_instance(int slot, std::shared_ptr<const UpstreamConfig> config, bool incoming);
  bool prepare_launch(Instance& inst, AppLaunch* launch, std::string* error);
  void on_start_failed(int slot, bool incoming, const std::string& reason);
  void restart_dead_slots();
  void check_readiness(Instance& inst, Clock::time_point now);
  void on_ready(Instance& inst);
  void on_unplanned_death(Instance& inst, const std::string& cause, const std::string& line);
  void publish(const Instance& inst);
  void publish_slot(int slot);
  int allocate_entry();
  void free_entry(int entry);
  Instance* find_serial(uint64_t serial);
  // The slot's instance that serves or will (not retiring, not reaped);
  // a rolling restart's incoming one only when `with_incoming`.
  Instance* serving_instance(int slot, bool with_incoming);
  std::vector<int> ports_in_use() const;
  std::string describe(const Instance& inst) const;  // "app instance 2 (pid 4242, 127.0.0.1:41003)"

  // app_instance_retiring.cc
  void retire(Instance& inst, bool drain, const std::string& why);
  void retire_slot(int slot, const std::string& why);
  void advance_retiring(Instance& inst, Clock::time_point now);
  void give_up_on_unreaped(Clock::time_point now);
  void kill_instance(Instance& inst, int sig);

  // app_rolling_restart.cc
  void advance_rolling();
  bool roll_slot();  // true once the slot is done
  // Logged as an error when `failed`; a newer reload replacing it is not.
  void abandon_rolling(const std::string& reason, bool failed = true);

  AppInstanceTable* table_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<Slot> slots_;            // index 1..UpstreamConfig::kMaxInstances
  std::vector<bool> entry_used_;
  int wanted_ = 0;                     // slots 1..wanted_ are kept running
  uint64_t next_serial_ = 1;
  std::optional<Rolling> rolling_;
  bool stopping_ = false;
  SocketFolder sockets_;
};

}  // namespace hearth
