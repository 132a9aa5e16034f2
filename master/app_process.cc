#include "master/app_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "master/signal_queue.h"

extern char** environ;

namespace hearth {

namespace {

constexpr int kMaxReadsPerCall = 16;
constexpr long kMaxFdsToClose = 1 << 16;  // the fallback's bound, without close_range

// Everything the child uses, made before the fork: between fork and exec it
// only makes system calls.
struct ChildPlan {
  char** argv;
  char** envp;
  const char* directory;  // nullptr = stay
  int in, out, err;
  pid_t master;
  const char* chdir_failure;  // "hearth: cannot enter DIR: "
  const char* exec_failure;   // "hearth: cannot run PROGRAM: "
};

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void write_text(int fd, const char* text) {
  ssize_t n = write(fd, text, strlen(text));
  (void)n;
}

[[noreturn]] void fail_in_child(const char* what, int err) {
  write_text(STDERR_FILENO, what);
  write_text(STDERR_FILENO, strerror(err));
  write_text(STDERR_FILENO, "\n");
  _exit(127);
}

void close_from(int first) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
#endif
  rlimit rl{};
  long last = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? static_cast<long>(rl.rlim_cur) : 1024;
  for (long fd = first; fd < std::min(last, kMaxFdsToClose); fd++) close(static_cast<int>(fd));
}

[[noreturn]] void become_app(const ChildPlan& p) {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &sa, nullptr);  // SIGKILL, SIGSTOP: EINVAL, fine
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // A master that dies without stopping it (SIGKILL, a crash) takes it
  // along: an orphan would hold its port and serve no one. The check after
  // covers a master that died before the prctl.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != p.master) _exit(1);
  // Above 2 first, so that no dup2 below overwrites one still to be moved
  // (a master started with stdio closed got them as 0..2).
  int in = fcntl(p.in, F_DUPFD, 3), out = fcntl(p.out, F_DUPFD, 3), err = fcntl(p.err, F_DUPFD, 3);
  dup2(in, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  close_from(3);
  if (p.directory != nullptr && chdir(p.directory) != 0) fail_in_child(p.chdir_failure, errno);
  environ = p.envp;  // execvp searches the PATH of the command's environment
  execvp(p.argv[0], p.argv);
  fail_in_child(p.exec_failure, errno);
}

}  // namespace

AppProcess::~AppProcess() { close_output(); }

bool AppProcess::spawn(const AppLaunch& launch, std::string* error) {
  bool to_file = launch.output != "error_log" && launch.output != "off";
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  int file = -1, pipe_fds[2] = {-1, -1};
  if (devnull < 0) {
    *error = std::string("cannot open /dev/null: ") + strerror(errno);
    return false;
  }
  if (to_file) file = open(launch.output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (to_file ? file < 0 : pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *error = to_file ? "cannot open " + launch.output + ": " + strerror(errno)
                     : std::string("pipe() failed: ") + strerror(errno);
    close(devnull);
    return false;
  }
  std::vector<std::string> argv_strings = launch.argv, env_strings = launch.environment;
  std::vector<char*> argv = pointers_to(argv_strings), envp = pointers_to(env_strings);
  std::string chdir_failure = "hearth: cannot enter " + launch.directory + ": ";
  std::string exec_failure = "hearth: cannot run " + launch.argv.at(0) + ": ";
  ChildPlan plan{argv.data(),
                 envp.data(),
                 launch.directory.empty() ? nullptr : launch.directory.c_str(),
                 devnull,
                 to_file ? file : launch.output == "off" ? devnull : pipe_fds[1],
                 to_file ? file : pipe_fds[1],
                 getpid(),
                 chdir_failure.c_str(),
                 exec_failure.c_str()};
  spdlog::default_logger()->flush();  // or the child would write our buffer again
  SignalBlock block;                  // no master handler may run in the child
  pid_t pid = fork();
  if (pid == 0) become_app(plan);
  int err = errno;
  block.release();
  close(devnull);
  if (file >= 0) close(file);
  if (pipe_fds[1] >= 0) close(pipe_fds[1]);
  if (pid < 0) {
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    *error = std::string("fork() failed: ") + strerror(err);
    return false;
  }
  pid_ = pid;
  fd_ = pipe_fds[0];
  if (fd_ >= 0) fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  log_lines_ = launch.output == "error_log";
  log_prefix_ = launch.log_prefix;
  return true;
}

void AppProcess::read_output() {
  char buf[4096];
  for (int i = 0; i < kMaxReadsPerCall && fd_ >= 0; i++) {
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      close_output();
      return;
    }
    for (std::string& line : lines_.feed(buf, static_cast<size_t>(n))) take_line(std::move(line));
  }
}

void AppProcess::finish_output() {
  read_output();
  std::string rest = lines_.take_partial();
  if (!rest.empty()) take_line(std::move(rest));
}

void AppProcess::take_line(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (log_lines_) spdlog::info("{}{}", log_prefix_, line);
  // Blank lines (a Go panic has some) would only push real ones out.
  if (line.find_first_not_of(" \t") == std::string::npos) return;
  tail_bytes_ += line.size();
  tail_.push_back(std::move(line));
  while (tail_.size() > kTailLines || (tail_bytes_ > kTailBytes && tail_.size() > 1)) {
    tail_bytes_ -= tail_.front().size();
    tail_.pop_front();
  }
}

std::string AppProcess::last_output() const {
  std::string out;
  for (const std::string& line : tail_) out += (out.empty() ? "" : " | ") + line;
  return out;
}

void AppProcess::close_output() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
}

}  // namespace hearth
