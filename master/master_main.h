// The ways hearth runs, chosen by master/main.cc from the command line.
#pragma once

#include <string>

#include "master/command_line.h"
#include "shared/config.h"

namespace hearth {

// The supervisor: refuses to start when the pid file names a live master,
// binds the listen address (reporting a bad one once, exit 1), detaches when
// supervisor.daemon, writes the pid file, runs the Master, removes the pid
// file. Returns the process exit status. Started by a binary upgrade
// (master/binary_upgrade.h), it serves on the inherited socket instead,
// neither detaches nor writes the pid file, and reports startup errors to
// the master it replaces, which hands the pid file over later.
int run_master(const CommandLine& cl, const Config& config);

// --single: one worker in the foreground on a socket it binds itself, no
// master, no pid file (like nginx `master_process off`).
int run_single(const Config& config);

// -s reload|stop|quit|reopen|upgrade: signals the master named by the pid
// file. reload and upgrade wait for the outcome (exit 1 with the reason);
// stop/quit wait until the master has exited. Messages go to stderr.
int run_control_command(const std::string& command, const Config& config);

}  // namespace hearth
