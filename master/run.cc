// hearth::run: the whole server around an app. The command line picks what
// this process does: print help or the version, test the config (-t),
// signal a running master (-s), serve with one worker and no master
// (--single), or run the master.
#include <hearth/run.h>

#include <cstdio>
#include <string>

#include "master/app_command.h"
#include "master/binary_upgrade.h"
#include "master/command_line.h"
#include "master/master_main.h"
#include "shared/config.h"
#include "shared/logging.h"
#include "worker/app/installed_app.h"
#include "worker/tls/tls_context.h"

namespace hearth {

namespace {

int test_config(const CommandLine& cl) {
  Config config;
  std::string error;
  std::string file = cl.config_path.empty() ? "(built-in defaults)" : cl.config_path;
  bool ok = load_effective_config(cl, &config, &error);
  // The loader leaves the command's program to the master (a missing one
  // shows in each instance's exit line); -t looks for it, as nginx -t
  // opens the files it names.
  if (ok && config.upstream.supervised()) {
    const UpstreamConfig& u = config.upstream;
    std::string problem;
    if (resolve_executable(u.command[0], u.directory, command_search_path(u), &problem).empty()) {
      error = file + ": upstream.command: " + problem;
      ok = false;
    }
  }
  // As nginx -t: the certificates and keys are loaded and checked too.
  for (size_t i = 0; ok && i < config.listeners.size(); i++) {
    if (!config.listeners[i].tls) continue;
    std::vector<std::string> warnings;
    ok = TlsContext::load(config.listeners[i].tls_config, nullptr, &warnings, &error) != nullptr;
    for (const std::string& warning : warnings) fprintf(stderr, "hearth: warning: %s\n", warning.c_str());
  }
  if (!ok) {
    fprintf(stderr, "hearth: %s\nhearth: configuration file %s test failed\n", error.c_str(), file.c_str());
    return 1;
  }
  // Not an error (an app-only server has no files), but easy to miss.
  if (config.root.empty() && config.mounts.empty()) printf("hearth: no root and no mounts: no files are served\n");
  printf("hearth: configuration file %s test is successful\n",
         config.file.empty() ? "(built-in defaults)" : config.file.c_str());
  return 0;
}

// -s needs the pid file from the config. When the config does not load,
// --pid-file still finds the master (to stop it, or to let it report the
// reload failure itself); without it, a reload is refused right here.
int signal_master(const CommandLine& cl) {
  Config config;
  std::string error;
  if (!load_effective_config(cl, &config, &error)) {
    if (cl.pid_file.empty()) {
      if (cl.signal == "reload") {
        fprintf(stderr, "hearth: reload failed: %s (the running master was not signalled)\n", error.c_str());
      } else {
        fprintf(stderr, "hearth: %s\nhearth: give --pid-file to signal the master anyway\n", error.c_str());
      }
      return 1;
    }
    config.supervisor.pid_file = cl.pid_file;
  }
  return run_control_command(cl.signal, config);
}

// A failure before the master runs: on stderr, and to the master that
// started this binary if it is an upgrade's new build.
int fail_to_start(const std::string& message, const char* hint = "") {
  fprintf(stderr, "hearth: %s\n%s", message.c_str(), hint);
  report_early_upgrade_failure(message);
  return 1;
}

}  // namespace

int run(const App& app, int argc, char** argv) {
  install_app(&app);  // before any fork: every worker inherits it
  CommandLine cl;
  std::string error;
  if (!parse_command_line(argc, argv, &cl, &error)) return fail_to_start(error, "Try 'hearth --help'.\n");
  if (cl.help) {
    fputs(usage_text().c_str(), stdout);
    return 0;
  }
  if (cl.version) {
    printf("%s\n", version_text().c_str());
    return 0;
  }
  if (cl.test_config) return test_config(cl);
  if (!cl.signal.empty()) return signal_master(cl);
  Config config;
  if (!load_effective_config(cl, &config, &error)) return fail_to_start(error);
  if (!open_logs(config.log, cl.no_master ? "worker 1" : "master", &error)) return fail_to_start(error);
  return cl.no_master ? run_single(config) : run_master(cl, config);
}

}  // namespace hearth
