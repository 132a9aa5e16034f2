#include "worker/worker_main.h"

#include <signal.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "shared/status_table.h"
#include "worker/app/installed_app.h"
#include "worker/crash_guard.h"
#include "worker/handover/crash_handover.h"
#include "worker/handover/handover_receiver.h"
#include "worker/routes/drill_routes.h"
#include "worker/master_link.h"
#include "worker/routes/status_route.h"
#include "worker/worker.h"

namespace hearth {

namespace {

// Without a master (--single) the worker obeys signals itself, as nginx does
// with master_process off.
struct StandaloneSignals {
  uv_signal_t term, quit, intr, usr1;

  void start(Worker* worker) {
    start_one(worker, &term, SIGTERM, [](uv_signal_t* s, int) { static_cast<Worker*>(s->data)->begin_drain(); });
    start_one(worker, &quit, SIGQUIT, [](uv_signal_t* s, int) { static_cast<Worker*>(s->data)->begin_drain(); });
    start_one(worker, &intr, SIGINT, [](uv_signal_t* s, int) { static_cast<Worker*>(s->data)->stop_now(); });
    start_one(worker, &usr1, SIGUSR1, [](uv_signal_t* s, int) { static_cast<Worker*>(s->data)->reopen_logs(); });
  }
  static void start_one(Worker* worker, uv_signal_t* handle, int signum, uv_signal_cb cb) {
    uv_signal_init(worker->loop(), handle);
    handle->data = worker;
    uv_signal_start(handle, cb, signum);
    uv_unref(reinterpret_cast<uv_handle_t*>(handle));
  }
};

// libuv sizes its pool (offload's threads) from the environment, once, at
// the first job of the process: set before any hook or handler can start one.
void size_thread_pool(const Config& config) {
  setenv("UV_THREADPOOL_SIZE", std::to_string(config.app.threads).c_str(), 1);
}

}  // namespace

int run_worker(const Config& config, const ListenSet& listeners, WorkerChannels channels, WorkerIdentity id) {
  signal(SIGPIPE, SIG_IGN);
  size_thread_pool(config);
  install_crash_guard();
  Worker worker(config, id);
  // The status table was mapped by the master (or run_single) before fork.
  if (!config.status.path.empty()) {
    register_status_route(worker.router(), process_status_table(), config.status.path);
  }
  const App* app = installed_app();
  if (app != nullptr && !run_worker_start_hooks(*app, current_worker())) return 2;
  if (!worker.listen(listeners)) return 2;
  std::unique_ptr<MasterLink> link;
  HandoverReceiver handovers(&worker, channels.handover);
  StandaloneSignals signals;
  if (channels.master >= 0) {
    link = std::make_unique<MasterLink>(&worker, channels.master);
    if (!link->start()) return 2;
    worker.on_stop([&link] { link->close(); });
    if (config.drills) register_channel_drill(worker.router(), channels.master);
  } else {
    signals.start(&worker);
  }
  if (channels.handover >= 0) {
    if (!handovers.start()) return 2;
    arm_crash_handover(worker.handover_table(), channels.handover);
    worker.on_stop([&handovers] { handovers.close(); });
  }
  int status = worker.run();
  disarm_crash_handover();  // the table goes with the worker
  return status;
}

}  // namespace hearth
