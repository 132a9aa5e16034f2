#include "tests/support/process_tools.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace hearth::test {

namespace {

// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
bool read_stat(pid_t pid, char* state, pid_t* ppid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return false;
  std::istringstream rest(line.substr(close + 2));
  return static_cast<bool>(rest >> *state >> *ppid);
}

}  // namespace

int run_hearth(const std::vector<std::string>& args, std::string* output, int timeout_ms) {
  return run_program(hearth_binary(), args, output, timeout_ms);
}

int run_program(const std::string& bin, const std::vector<std::string>& args, std::string* output,
                int timeout_ms) {
  TempDir dir;
  std::string out_path = dir.path() + "/output";
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    std::vector<std::string> argv_s = {bin};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  bool exited = eventually(timeout_ms, [&] { return waitpid(pid, &status, WNOHANG) == pid; });
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  *output = read_file(out_path);
  return exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    pid_t p = static_cast<pid_t>(atoi(e->d_name));
    char state = 0;
    pid_t ppid = 0;
    if (p > 0 && read_stat(p, &state, &ppid) && ppid == pid && state != 'Z') out.push_back(p);
  }
  closedir(d);
  return out;
}

bool process_exists(pid_t pid) {
  char state = 0;
  pid_t ppid = 0;
  return pid > 0 && read_stat(pid, &state, &ppid) && state != 'Z';
}

void kill_process_tree(pid_t pid) {
  if (pid <= 0 || !process_exists(pid)) return;
  for (pid_t child : children_of(pid)) kill(child, SIGKILL);
  kill(pid, SIGKILL);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) stop(SIGKILL, 5000);
}

bool BackgroundProcess::start(const std::string& binary, const std::vector<std::string>& args,
                              const std::string& output_path,
                              const std::vector<std::pair<std::string, std::string>>& env) {
  output_path_ = output_path;
  int probe[2];  // closed by exec (CLOEXEC); a byte in it means exec failed
  if (pipe2(probe, O_CLOEXEC) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) {
    ::close(probe[0]);
    ::close(probe[1]);
    return false;
  }
  if (pid == 0) {
    setpgid(0, 0);
    int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<std::string> argv_s = {binary};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    char failed = 1;
    (void)!write(probe[1], &failed, 1);
    _exit(127);
  }
  ::close(probe[1]);
  char byte;
  ssize_t n;
  do n = read(probe[0], &byte, 1);
  while (n < 0 && errno == EINTR);
  ::close(probe[0]);
  pid_ = pid;
  if (n > 0) {
    stop(SIGKILL);
    return false;
  }
  return true;
}

std::string BackgroundProcess::output() const { return read_file(output_path_); }

bool BackgroundProcess::running() {
  if (pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int BackgroundProcess::stop(int sig, int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  bool exited = eventually(timeout_ms, [&] { return waitpid(pid_, &status, WNOHANG) == pid_; });
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return exited ? status : -1;
}

int free_tcp_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

long resident_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, 6, "VmRSS:") == 0) return std::stol(line.substr(6));
  }
  return -1;
}

nlohmann::json fetch_status(int port) {
  HttpResponse r = http_get(port, "/status", {"Connection: close"});
  if (r.status != 200) return nullptr;
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

std::vector<int> status_pids(const nlohmann::json& status) {
  std::vector<int> pids;
  if (!status.is_object() || !status.contains("workers")) return pids;
  for (const auto& w : status["workers"]) pids.push_back(w.value("pid", 0));
  return pids;
}

std::vector<int> wait_for_workers(int port, size_t count, const std::vector<int>& not_in, int timeout_ms) {
  std::vector<int> pids;
  bool ok = eventually(timeout_ms, [&] {
    pids = status_pids(fetch_status(port));
    if (pids.size() != count) return false;
    for (int p : pids) {
      if (p == 0 || std::find(not_in.begin(), not_in.end(), p) != not_in.end()) return false;
    }
    return true;
  });
  if (!ok) pids.clear();
  return pids;
}

int run_command(const std::string& cmd, std::string* out) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string process_test_dir() {
  std::string dir = __FILE__;  // tests/support/process_tools.cc
  return dir.substr(0, dir.find_last_of('/') + 1) + "../process/";
}

std::string absolute_path(const std::string& relative) {
  char* p = realpath(relative.c_str(), nullptr);
  std::string out = p != nullptr ? p : relative;
  free(p);
  return out;
}

int run_websocket_client(const std::vector<std::string>& args, std::string* out) {
  std::string cmd = "timeout 90 /usr/bin/python3 " + process_test_dir() + "websocket_client.py";
  for (const std::string& a : args) cmd += " " + a;
  return run_command(cmd + " 2>&1", out);
}

std::vector<int> wait_for_one_replacement(int port, const std::vector<int>& before) {
  std::vector<int> now;
  bool ok = eventually(10000, [&] {
    now = status_pids(fetch_status(port));
    if (now.size() != before.size()) return false;
    int changed = 0;
    for (size_t i = 0; i < now.size(); i++) {
      if (now[i] == 0) return false;
      if (now[i] != before[i]) changed++;
    }
    return changed == 1;
  });
  return ok ? now : std::vector<int>{};
}


}  // namespace hearth::test
