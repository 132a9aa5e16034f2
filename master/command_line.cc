// Parsing the hearth command line, and applying its overrides to a Config.
#include "master/command_line.h"

#include <hearth/version.h>

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>
#include <functional>
#include <vector>

#include "shared/served_paths.h"

namespace hearth {
namespace {

const char kVersion[] = HEARTH_VERSION;
const char* const kSignals[] = {"reload", "stop", "quit", "reopen", "upgrade"};

// A path from the command line, made absolute against the current
// directory now, so that it means the same on a later reload.
std::string absolute_from_cwd(const std::string& path) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

// Log targets keep their keywords; anything else is a path.
std::string log_target(const std::string& value) {
  return value == "stderr" || value == "off" ? value : absolute_from_cwd(value);
}

bool parse_workers(const std::string& value, int* workers) {
  if (value == "auto") {
    *workers = auto_worker_count();
    return true;
  }
  bool digits = !value.empty() && value.size() <= 3 &&
                std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return false;
  int n = std::stoi(value);
  if (n < 1 || n > kMaxWorkers) return false;
  *workers = n;
  return true;
}

// One option: its names, whether it takes a value, and what it does with
// it. `apply` returns "" or what is wrong with the value. `restart_value`
// gives the value as a binary upgrade passes it on (null: unchanged).
struct Option {
  const char* short_name;  // "" when there is none
  const char* long_name;
  bool takes_value;
  std::function<std::string(const std::string& value)> apply;
  std::string (*restart_value)(const std::string& value) = nullptr;
};

std::vector<Option> options_for(CommandLine* cl) {
  auto flag = [](bool* target) {
    return [target](const std::string&) {
      *target = true;
      return std::string();
    };
  };
  return {
      {"-c", "--config", true, [cl](const std::string& v) {
         cl->config_path = absolute_from_cwd(v);
         cl->config_path_given = true;
         return std::string();
       }, absolute_from_cwd},
      {"-t", "--test", false, flag(&cl->test_config)},
      {"-s", "--signal", true, [cl](const std::string& v) {
         auto known = std::find(std::begin(kSignals), std::end(kSignals), v) != std::end(kSignals);
         cl->signal = v;
         return known ? std::string() : "expected reload, stop, quit, reopen or upgrade, got \"" + v + "\"";
       }},
      {"-h", "--help", false, flag(&cl->help)},
      {"-v", "--version", false, flag(&cl->version)},
      {"", "--listen", true, [cl](const std::string& v) {
         std::string host, error;
         int port;
         cl->listen.push_back(v);
         return parse_listen(v, &host, &port, &error) ? std::string() : error;
       }},
      {"", "--root", true, [cl](const std::string& v) {
         cl->root = absolute_from_cwd(v);
         return std::string();
       }, absolute_from_cwd},
      {"", "--workers", true, [cl](const std::string& v) {
         return parse_workers(v, &cl->workers)
                    ? std::string()
                    : "expected auto or a number from 1 to " + std::to_string(kMaxWorkers) +
                          ", got \"" + v + "\"";
       }},
      {"", "--daemon", false, flag(&cl->daemon)},
      {"", "--drills", false, flag(&cl->drills)},
      {"", "--pid-file", true, [cl](const std::string& v) {
         cl->pid_file = absolute_from_cwd(v);
         return std::string();
       }, absolute_from_cwd},
      {"", "--error-log", true, [cl](const std::string& v) {
         cl->error_log = log_target(v);
         return std::string();
       }, log_target},
      {"", "--access-log", true, [cl](const std::string& v) {
         cl->access_log = log_target(v);
         return std::string();
       }, log_target},
      {"", "--log-level", true, [cl](const std::string& v) {
         cl->log_level = v;
         return is_log_level(v) ? std::string()
                                : "expected trace, debug, info, warn, error, critical or off, got \"" +
                                      v + "\"";
       }},
      {"", "--single", false, flag(&cl->no_master)},
  };
}

// Splits "--name=value" into its parts; `has_value` tells "--name=" (an
// empty value) from "--name".
void split_argument(const std::string& arg, std::string* name, std::string* value, bool* has_value) {
  size_t equals = arg.compare(0, 2, "--") == 0 ? arg.find('=') : std::string::npos;
  *has_value = equals != std::string::npos;
  *name = *has_value ? arg.substr(0, equals) : arg;
  *value = *has_value ? arg.substr(equals + 1) : "";
}

bool file_exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

}  // namespace

bool parse_command_line(int argc, char** argv, CommandLine* out, std::string* error) {
  CommandLine cl;
  std::vector<Option> options = options_for(&cl);
  for (int i = 1; i < argc; i++) {
    std::string name, value;
    bool has_value;
    split_argument(argv[i], &name, &value, &has_value);
    auto option = std::find_if(options.begin(), options.end(), [&](const Option& o) {
      return name == o.long_name || (o.short_name[0] != '\0' && name == o.short_name);
    });
    if (option == options.end()) {
      *error = (name.empty() || name[0] != '-' ? "unexpected argument \"" : "unknown option \"") +
               std::string(argv[i]) + "\" (see --help)";
      return false;
    }
    if (option->takes_value && !has_value) {
      if (i + 1 >= argc) {
        *error = "option " + name + " needs a value (see --help)";
        return false;
      }
      value = argv[++i];
    } else if (!option->takes_value && has_value) {
      *error = "option " + name + " takes no value";
      return false;
    }
    std::string problem = option->apply(value);
    if (!problem.empty()) {
      *error = name + ": " + problem;
      return false;
    }
    cl.arguments.push_back(option->long_name);
    if (option->takes_value) cl.arguments.push_back(option->restart_value ? option->restart_value(value) : value);
  }
  cl.executable = running_executable();
  if (cl.no_master && cl.daemon) {
    *error = "--single runs in the foreground; it cannot be combined with --daemon";
    return false;
  }
  if (!cl.config_path_given) {
    cl.config_path = absolute_from_cwd(default_config_path(argc > 0 ? argv[0] : "hearth"));
  }
  *out = cl;
  return true;
}

bool apply_overrides(const CommandLine& cl, Config* config, std::string* error) {
  std::string problem;
  // --listen replaces the file's listeners with plain ones, in the given order.
  std::vector<ListenConfig> listeners;
  for (const std::string& address : cl.listen) {
    ListenConfig listener;
    if (!parse_listen(address, &listener.host, &listener.port, &problem)) {
      *error = "--listen: " + problem;
      return false;
    }
    listener.where = "--listen " + address;
    listeners.push_back(listener);
  }
  if (!listeners.empty()) config->listeners = listeners;
  if (!cl.root.empty() && !resolve_folder(cl.root, &config->root, &problem)) {
    *error = "--root: " + problem;
    return false;
  }
  if (cl.workers < 0 || cl.workers > kMaxWorkers) {
    *error = "--workers: must be from 1 to " + std::to_string(kMaxWorkers);
    return false;
  }
  if (!cl.log_level.empty() && !is_log_level(cl.log_level)) {
    *error = "--log-level: unknown level \"" + cl.log_level + "\"";
    return false;
  }
  if (cl.workers != 0) config->workers = cl.workers;
  if (!cl.log_level.empty()) config->log.level = cl.log_level;
  if (!cl.error_log.empty()) config->log.error_log = log_target(cl.error_log);
  if (!cl.access_log.empty()) config->log.access_log = log_target(cl.access_log);
  if (!cl.pid_file.empty()) config->supervisor.pid_file = absolute_from_cwd(cl.pid_file);
  if (cl.daemon) config->supervisor.daemon = true;
  if (cl.drills) config->drills = true;
  if (cl.no_master) {  // one process in the foreground, whatever the file says
    config->workers = 1;
    config->supervisor.daemon = false;
  }
  return true;
}

bool load_effective_config(const CommandLine& cl, Config* config, std::string* error) {
  Config loaded;
  bool use_defaults = cl.config_path.empty() || (!cl.config_path_given && !file_exists(cl.config_path));
  if (use_defaults) {
    loaded = default_config();
  } else if (!load_config(cl.config_path, &loaded, error)) {
    return false;
  }
  if (!apply_overrides(cl, &loaded, error)) return false;
  // Only now are the served folders and hearth's own files final.
  if (!check_served_paths(loaded, cl.root.empty() ? "root" : "--root", error)) return false;
  *config = std::move(loaded);
  return true;
}

std::string running_executable() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string path = n > 0 ? std::string(exe, static_cast<size_t>(n)) : std::string();
  // The kernel's name for a file that was replaced (renamed over) since.
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() && path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0) {
    path.resize(path.size() - deleted.size());
  }
  return path;
}

std::string default_config_path(const char* argv0) {
  std::filesystem::path binary = argv0 ? argv0 : "";
  if (!argv0 || std::strchr(argv0, '/') == nullptr) binary = running_executable();
  if (!binary.empty()) {
    std::filesystem::path candidate =
        (binary.parent_path() / ".." / "etc" / "hearth.json").lexically_normal();
    if (file_exists(candidate.string())) return candidate.string();
  }
  return "etc/hearth.json";
}

std::string usage_text() {
  return "usage: hearth [options]\n"
         "\n"
         "  -c, --config FILE     config file (default: etc/hearth.json beside the binary's\n"
         "                        folder, else built-in defaults: no root, app routes only)\n"
         "  -t, --test            check the config and exit: 0 when valid, 1 otherwise\n"
         "  -s, --signal SIGNAL   tell the running master to reload, stop, quit, reopen or\n"
         "                        upgrade (start the binary on disk in its place)\n"
         "  -h, --help            show this help\n"
         "  -v, --version         show the version\n"
         "\n"
         "overrides (win over the config file, on every reload too):\n"
         "  --listen ADDR         HOST:PORT, [IPV6]:PORT, :PORT or PORT; repeat for several\n"
         "  --root DIR            document root, relative to the current folder\n"
         "  --workers N|auto      worker processes, 1 to 256; auto = one per CPU\n"
         "  --daemon              run in the background\n"
         "  --drills              enable the /debug/* crash drill routes\n"
         "  --pid-file FILE       write the master's pid to FILE\n"
         "  --error-log FILE      error log: a file, stderr or off\n"
         "  --access-log FILE     access log: a file, stderr or off\n"
         "  --log-level LEVEL     trace, debug, info, warn, error, critical or off\n"
         "  --single              one worker in the foreground, no master\n";
}

std::string version_text() { return std::string("hearth version ") + kVersion; }

}  // namespace hearth
