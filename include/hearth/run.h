// The whole server around an app: what the `hearth` program does, for your
// own program.
#pragma once

#include <hearth/app.h>

namespace hearth {

// Parses the command line (the same flags as `hearth --help`: -c, -t, -s,
// --listen, --root, --workers, --single, ...), loads the config file, and
// runs: the master binds the listen address and forks the workers, each of
// which serves files first and then `app`'s routes. Also answers -t (test
// the config), -s reload|stop|quit|reopen|upgrade (signal a running master),
// --help and --version. Returns the exit status for main() to return.
int run(const App& app, int argc, char** argv);

}  // namespace hearth
