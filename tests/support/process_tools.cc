#include "tests/support/process_tools.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

int run_websocket_client(const std::vector<std::string>& args, std::string* out) {
  std::string dir = __FILE__;  // tests/support/process_tools.cc
  dir = dir.substr(0, dir.find_last_of('/') + 1) + "../process/";
  std::string cmd = "timeout 90 /usr/bin/python3 " + dir + "websocket_client.py";
  for (const std::string& a : args) cmd += " " + a;
  return run_command(cmd + " 2>&1", out);
}

}  // namespace hearth::test
