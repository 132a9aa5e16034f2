#include "master/app_command.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace hearth {

namespace {

constexpr int kPortAttempts = 16;

void replace_all(std::string* text, const std::string& from, const std::string& to) {
  for (size_t at = text->find(from); at != std::string::npos; at = text->find(from, at + to.size())) {
    text->replace(at, from.size(), to);
  }
}

bool is_executable_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// Why `path` cannot be executed, in words.
std::string not_executable_reason(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::string(strerror(errno));
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  return "not executable";
}

// The port of a fresh socket bound to 127.0.0.1:0, or 0.
int bind_any_port(std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket() failed: ") + strerror(errno);
    return 0;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    *error = std::string("bind(127.0.0.1:0) failed: ") + strerror(errno);
  } else if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    *error = std::string("getsockname() failed: ") + strerror(errno);
  } else {
    port = ntohs(sa.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

std::vector<std::string> substitute_command(const std::vector<std::string>& command, const std::string& port,
                                            const std::string& socket) {
  std::vector<std::string> out = command;
  for (std::string& arg : out) {
    replace_all(&arg, "{port}", port);
    replace_all(&arg, "{socket}", socket);
  }
  return out;
}

std::vector<std::string> app_environment(const char* const* base,
                                         const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> out;
  for (const char* const* e = base; e != nullptr && *e != nullptr; e++) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    bool replaced = std::any_of(overrides.begin(), overrides.end(), [&](const auto& o) { return o.first == name; });
    if (!replaced) out.push_back(entry);
  }
  for (const auto& o : overrides) {
    // A later override of the same name wins: drop an earlier one.
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](const std::string& e) { return e.compare(0, o.first.size() + 1, o.first + "=") == 0; }),
              out.end());
    out.push_back(o.first + "=" + o.second);
  }
  return out;
}

int pick_free_port(const std::vector<int>& avoid, std::string* error) {
  for (int i = 0; i < kPortAttempts; i++) {
    int port = bind_any_port(error);
    if (port == 0) return 0;
    if (std::find(avoid.begin(), avoid.end(), port) == avoid.end()) return port;
  }
  *error = "no free port on 127.0.0.1 other than the instances' own";
  return 0;
}

std::string resolve_executable(const std::string& program, const std::string& directory,
                               const std::string& search_path, std::string* error) {
  if (program.find('/') != std::string::npos) {
    std::string path = program[0] == '/' || directory.empty() ? program : directory + "/" + program;
    if (is_executable_file(path)) return path;
    *error = "cannot run \"" + program + "\" (" + path + "): " + not_executable_reason(path);
    return "";
  }
  size_t start = 0;
  while (start <= search_path.size()) {
    size_t end = std::min(search_path.find(':', start), search_path.size());
    std::string folder = search_path.substr(start, end - start);
    // An empty PATH entry means the current directory, the command's own.
    if (folder.empty()) folder = directory.empty() ? "." : directory;
    std::string path = folder + "/" + program;
    if (is_executable_file(path)) return path;
    start = end + 1;
  }
  *error = "cannot run \"" + program + "\": not found in PATH (" + search_path + ")";
  return "";
}

std::string command_search_path(const UpstreamConfig& config) {
  for (const auto& variable : config.environment) {
    if (variable.first == "PATH") return variable.second;
  }
  const char* path = getenv("PATH");
  // What execvp itself falls back on.
  return path != nullptr ? path : "/bin:/usr/bin";
}

SocketFolder::~SocketFolder() {
  if (folder_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(folder_, ec);
}

std::string SocketFolder::path_for(int slot, uint64_t serial, std::string* error) {
  if (folder_.empty()) {
    // /tmp, not $TMPDIR: a socket path must fit in 108 bytes.
    char pattern[] = "/tmp/hearth-app-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      *error = std::string("cannot make a folder for the app's sockets: mkdtemp: ") + strerror(errno);
      return "";
    }
    folder_ = pattern;
  }
  std::string path = folder_ + "/app-" + std::to_string(slot) + "-" + std::to_string(serial) + ".sock";
  unlink(path.c_str());
  return path;
}

}  // namespace hearth
