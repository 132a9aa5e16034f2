// The hearth command line: which config file to load, what to do with it
// (serve, -t test it, -s signal a running master) and flags that override
// the file's values. Flags win over the file, on every reload too.
#pragma once

#include <string>
#include <vector>

#include "shared/config.h"

namespace hearth {

struct CommandLine {
  std::string config_path;          // -c FILE; absolute. Without -c: default_config_path()
  bool config_path_given = false;   // -c was on the command line
  bool test_config = false;         // -t: check the config and exit 0/1, like nginx -t
  bool help = false;                // -h
  bool version = false;             // -v
  std::string signal;               // -s reload|stop|quit|reopen|upgrade; "" = serve

  // What a binary upgrade (SIGUSR2) runs again: the executable's absolute
  // path, read from /proc/self/exe while parsing (at start, before a deploy
  // replaces the file), and the arguments after argv[0], with the values
  // that are paths made absolute (the daemon runs in "/").
  std::string executable;
  std::vector<std::string> arguments;

  // Overrides; empty / 0 / false = keep the file's value. Paths are made
  // absolute against the current directory when parsed, so a reload after
  // the master changed directory (daemon) still finds them.
  std::vector<std::string> listen;  // --listen ADDR (repeatable), checked by parse_listen
  std::string root;                 // --root DIR
  int workers = 0;                  // --workers N|auto ("auto" resolved here)
  bool daemon = false;              // --daemon
  bool drills = false;              // --drills
  std::string pid_file;             // --pid-file FILE
  std::string error_log;            // --error-log FILE|stderr|off
  std::string access_log;           // --access-log FILE|stderr|off
  std::string log_level;            // --log-level LEVEL
  bool no_master = false;           // --single: one worker in the foreground, no
                                    // master (like nginx `master_process off`)
};

// Parses argv into `*out`. Accepts "--flag VALUE" and "--flag=VALUE". Fails
// with a message naming the option on unknown options, missing or bad
// values, positional arguments and contradictions (--single with --daemon).
bool parse_command_line(int argc, char** argv, CommandLine* out, std::string* error);

// Writes the flags over `*config`. Fails (leaving `*config` partly updated:
// discard it) when a value is invalid, e.g. a --listen parse_listen refuses
// or a --root that is not a folder.
bool apply_overrides(const CommandLine& cl, Config* config, std::string* error);

// The config the master runs with, at start, for -t and on every reload: the
// file (or the built-in defaults when no -c was given and the default file
// does not exist) with the flags applied, refused when a served folder holds
// hearth's own files (shared/served_paths.h). `*config` is untouched on failure.
bool load_effective_config(const CommandLine& cl, Config* config, std::string* error);

// <folder of the binary>/../etc/hearth.json when that file exists (the
// binary is build/hearth in the source tree), else "etc/hearth.json".
// `argv0` without a slash means the binary was found on PATH: then the
// folder comes from /proc/self/exe.
std::string default_config_path(const char* argv0);

// The absolute path of this process's executable ("" when /proc is not
// readable). A file replaced since it started reads as the path it had.
std::string running_executable();

// The text for --help, ending in a newline.
std::string usage_text();

// "hearth version X.Y.Z", for -v.
std::string version_text();

}  // namespace hearth
