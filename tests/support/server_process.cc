#include "tests/support/server_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

namespace hearth {
namespace test {

namespace {

void remove_tree(const std::string& path) {
  DIR* d = opendir(path.c_str());
  if (d != nullptr) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string child = path + "/" + name;
      struct stat st;
      if (lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(child);
      else unlink(child.c_str());
    }
    closedir(d);
  }
  rmdir(path.c_str());
}

void make_parents(const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    mkdir(path.substr(0, slash).c_str(), 0755);
  }
}

pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  // "pid (comm) state ppid ...": comm may hold spaces, so start after ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  char state;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

// Runs in the forked child: output to the file, no core files, exec.
[[noreturn]] void exec_hearth(const std::vector<std::string>& args, const std::string& output_path) {
  int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  int null = open("/dev/null", O_RDONLY);
  if (null >= 0) dup2(null, STDIN_FILENO);
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  // The test process may block or ignore signals (gtest does not, but a
  // runner might); hearth must start with the defaults.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::string bin = hearth_binary();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(bin.c_str(), argv.data());
  fprintf(stderr, "exec %s: %s\n", bin.c_str(), strerror(errno));
  _exit(127);
}

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/hearth-test-XXXXXX";
  if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  if (!path_.empty()) remove_tree(path_);
}

std::string TempDir::write(const std::string& relative, const std::string& content) const {
  std::string full = path(relative);
  make_parents(full);
  std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
  return full;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string hearth_binary() {
  const char* env = getenv("HEARTH_BIN");
  return env != nullptr && *env != '\0' ? env : "build/hearth";
}

ServerProcess::~ServerProcess() { kill_everything(); }

bool ServerProcess::start(const std::vector<std::string>& args, const std::string& output_path) {
  output_path_ = output_path;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) exec_hearth(args, output_path);
  pid_ = pid;
  forked_ = true;
  exited_ = false;
  return true;
}

void ServerProcess::adopt(pid_t pid) {
  pid_ = pid;
  forked_ = false;
  exited_ = false;
}

int ServerProcess::wait_for_port(Ms limit) {
  static const std::regex kListening("listening on 127\\.0\\.0\\.1:([0-9]+)");
  int port = 0;
  eventually(limit, [&] {
    std::smatch m;
    std::string out = output();
    if (std::regex_search(out, m, kListening)) port = std::stoi(m[1]);
    return port != 0 || !running();
  });
  return port;
}

int ServerProcess::count_in_output(const std::string& text) const {
  std::string out = output();
  int n = 0;
  for (size_t pos = out.find(text); pos != std::string::npos; pos = out.find(text, pos + text.size())) n++;
  return n;
}

bool ServerProcess::wait_for_output(const std::string& text, Ms limit, int count) {
  return eventually(limit, [&] { return count_in_output(text) >= count; });
}

bool ServerProcess::send_signal(int sig) const { return pid_ > 0 && !exited_ && kill(pid_, sig) == 0; }

bool ServerProcess::running() const {
  if (pid_ <= 0 || exited_) return false;
  if (forked_) {
    // A zombie still answers kill(pid, 0); ask waitpid without reaping.
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
  }
  return kill(pid_, 0) == 0;
}

std::optional<int> ServerProcess::wait_exit(Ms limit) {
  if (!forked_ || pid_ <= 0) return std::nullopt;
  int status = 0;
  bool done = eventually(limit, [&] { return waitpid(pid_, &status, WNOHANG) == pid_; });
  if (!done) return std::nullopt;
  exited_ = true;
  return status;
}

std::vector<pid_t> ServerProcess::children() const {
  std::vector<pid_t> out;
  if (pid_ <= 0) return out;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    pid_t p = static_cast<pid_t>(atoi(e->d_name));
    if (p > 0 && parent_of(p) == pid_) out.push_back(p);
  }
  closedir(d);
  return out;
}

void ServerProcess::kill_everything() {
  if (pid_ <= 0) return;
  if (!exited_) {
    // Workers first (by pid, found through the master), so none lingers
    // draining after the master is gone.
    for (pid_t child : children()) kill(child, SIGKILL);
    kill(pid_, SIGKILL);
    if (forked_) waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

int run_hearth(const std::vector<std::string>& args, std::string* output, Ms limit) {
  char tmpl[] = "/tmp/hearth-run-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return -1;
  close(fd);
  ServerProcess p;
  int code = -1;
  if (p.start(args, tmpl)) {
    std::optional<int> status = p.wait_exit(limit);
    if (status && WIFEXITED(*status)) code = WEXITSTATUS(*status);
  }
  *output = read_file(tmpl);
  unlink(tmpl);
  return code;
}

}  // namespace test
}  // namespace hearth
