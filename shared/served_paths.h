// hearth's own files must not be in a folder it serves: a root that holds
// the config, the pid file or a log would hand them to any client that asks
// (/hearth.json, /run.pid, /access.log.1).
#pragma once

#include <string>

#include "shared/config.h"

namespace hearth {

// Fails when the root or a mount folder contains the config file, the pid
// file, or the folder of a log file (rotation puts access.log.1 beside
// access.log), with one message naming the folder, the file and the fix:
//   FILE: root "/srv/site" contains the pid file /srv/site/run.pid; hearth would
//   serve it (move it, or set root to a folder of public files only)
// `root_name` names where the root came from in that message ("root", or
// "--root" when the flag set it). Symlinks are resolved on both sides.
bool check_served_paths(const Config& config, const std::string& root_name, std::string* error);

}  // namespace hearth
