#include "master/binary_upgrade.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "master/listen_socket.h"

extern char** environ;

namespace hearth {

namespace {

constexpr int kMaxReadsPerCall = 16;

bool has_prefix(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// "No such file or directory" -> "no such file or directory", as it reads mid-sentence.
std::string lowercase_strerror(int err) {
  std::string s = strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(tolower(static_cast<unsigned char>(s[0])));
  return s;
}

bool send_line(int fd, const std::string& line) {
  if (fd < 0) return false;
  std::string text = line + "\n";
  // A few bytes into an empty socket: they fit, or the peer is gone.
  return send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT) == static_cast<ssize_t>(text.size());
}

// Reads what is there into `lines`. False on EOF or error: the peer is gone.
bool read_lines(int fd, LineBuffer* buffer, std::vector<std::string>* lines) {
  char buf[512];
  for (int i = 0; i < kMaxReadsPerCall; i++) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    for (std::string& line : buffer->feed(buf, static_cast<size_t>(n))) lines->push_back(std::move(line));
  }
  return true;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// The child between fork and exec: only exec and, if that fails, say why.
[[noreturn]] void exec_new_binary(const char* path, char** argv, char** envp, const std::vector<int>& keep,
                                  int report_fd) {
  for (int fd : keep) fcntl(fd, F_SETFD, 0);  // these cross the exec
  execve(path, argv, envp);
  std::string failed = "failed cannot run " + std::string(path) + ": " + lowercase_strerror(errno) + "\n";
  ssize_t n = write(report_fd, failed.data(), failed.size());
  (void)n;
  _exit(127);
}

// What is wrong with adding `fd` to `so_far`, or "".
std::string fd_list_problem(int fd, const std::vector<int>& so_far) {
  if (fd <= STDERR_FILENO) return "descriptor " + std::to_string(fd) + " is stdio";
  if (std::find(so_far.begin(), so_far.end(), fd) != so_far.end()) return "descriptor " + std::to_string(fd) + " twice";
  if (so_far.size() == kMaxInheritedFds) return "more than " + std::to_string(kMaxInheritedFds) + " descriptors";
  return "";
}

}  // namespace

std::string format_fd_list(const std::vector<int>& fds) {
  std::string out;
  for (int fd : fds) out += (out.empty() ? "" : ",") + std::to_string(fd);
  return out;
}

bool parse_fd_list(const std::string& text, std::vector<int>* fds, std::string* error) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, end - start);
    bool digits = !item.empty() && item.size() <= 9 && std::all_of(item.begin(), item.end(), ::isdigit);
    if (!digits) {
      *error = "expected descriptor numbers separated by commas, got \"" + text + "\"";
      return false;
    }
    int fd = std::stoi(item);
    *error = fd_list_problem(fd, out);
    if (!error->empty()) return false;
    out.push_back(fd);
    start = end + 1;
  }
  *fds = out;
  return true;
}

std::vector<std::string> upgrade_environment(const char* const* environment, const std::vector<int>& listen_fds,
                                             int report_fd) {
  const std::string listen_prefix = std::string(kListenFdsVariable) + "=";
  const std::string report_prefix = std::string(kUpgradeFdVariable) + "=";
  std::vector<std::string> out;
  for (const char* const* e = environment; e != nullptr && *e != nullptr; e++) {
    std::string entry = *e;
    if (!has_prefix(entry, listen_prefix) && !has_prefix(entry, report_prefix)) out.push_back(entry);
  }
  out.push_back(listen_prefix + format_fd_list(listen_fds));
  out.push_back(report_prefix + std::to_string(report_fd));
  return out;
}

std::vector<std::string> LineBuffer::feed(const char* data, size_t size) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < size; i++) {
    if (data[i] == '\n') {
      lines.push_back(std::move(partial_));
      partial_.clear();
      skipping_ = false;
    } else if (partial_.size() < kMaxLine && !skipping_) {
      partial_ += data[i];
    } else if (!skipping_) {
      skipping_ = true;
    }
  }
  return lines;
}

std::string LineBuffer::take_partial() {
  std::string rest = std::move(partial_);
  partial_.clear();
  skipping_ = false;
  return rest;
}

// --- the old master's side ---------------------------------------------------

NewBinary::~NewBinary() { close_link(); }

bool NewBinary::start(const std::string& executable, const std::vector<std::string>& arguments,
                      const std::vector<int>& listen_fds, SignalQueue* signals, std::string* error) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    *error = std::string("socketpair() failed: ") + strerror(errno);
    return false;
  }
  // Everything exec needs is made before the fork.
  std::vector<std::string> argv_strings = {executable};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<std::string> env_strings = upgrade_environment(environ, listen_fds, sv[1]);
  std::vector<char*> argv = pointers_to(argv_strings), envp = pointers_to(env_strings);
  std::vector<int> keep = listen_fds;
  keep.push_back(sv[1]);
  spdlog::default_logger()->flush();
  SignalBlock block;
  pid_t pid = fork();
  if (pid == 0) {
    // Our handlers would write into the master's signal pipe; exec must
    // not inherit a mask that blocks everything.
    signals->reset_in_child();
    block.release();
    exec_new_binary(executable.c_str(), argv.data(), envp.data(), keep, sv[1]);
  }
  int err = errno;
  block.release();
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    *error = std::string("fork() failed: ") + strerror(err);
    return false;
  }
  set_nonblocking(sv[0]);
  pid_ = pid;
  fd_ = sv[0];
  return true;
}

NewBinary::State NewBinary::read_reports(std::string* reason) {
  std::vector<std::string> lines;
  if (fd_ >= 0 && !read_lines(fd_, &lines_, &lines)) close_link();
  for (const std::string& line : lines) {
    if (line == "ready") ready_ = true;
    else if (has_prefix(line, "failed ") && failure_.empty()) failure_ = line.substr(7);
  }
  if (!failure_.empty()) {
    *reason = failure_;
    return State::kFailed;
  }
  return ready_ ? State::kReady : State::kStarting;
}

bool NewBinary::tell_go() { return send_line(fd_, "go"); }

void NewBinary::kill_it() {
  if (pid_ > 0 && !exit_status_) kill(pid_, SIGKILL);
}

void NewBinary::close_link() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

// --- the new master's side ---------------------------------------------------

OldMaster::OldMaster(int fd, pid_t pid) : fd_(fd), pid_(pid) { set_nonblocking(fd_); }

OldMaster::~OldMaster() { close_link(); }

void OldMaster::tell_ready() { send_line(fd_, "ready"); }

void OldMaster::tell_failed(const std::string& reason) { send_line(fd_, "failed " + reason); }

OldMaster::Heard OldMaster::read() {
  if (fd_ < 0) return Heard::kGone;
  std::vector<std::string> lines;
  bool open = read_lines(fd_, &lines_, &lines);
  if (std::find(lines.begin(), lines.end(), "go") != lines.end()) return Heard::kGo;
  return open ? Heard::kNothing : Heard::kGone;
}

void OldMaster::close_link() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

// --- what crosses the exec ---------------------------------------------------

namespace {

bool parse_variable(const char* name, const std::string& value, std::vector<int>* fds, std::string* error) {
  if (parse_fd_list(value, fds, error)) return true;
  *error = std::string(name) + ": " + *error;
  return false;
}

// Close-on-exec again: only an upgrade passes them on, and it says so.
bool check_inherited(const std::vector<int>& listen_fds, int report_fd, std::string* error) {
  for (int fd : listen_fds) {
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || !is_listening_socket(fd)) {
      *error = std::string(kListenFdsVariable) + ": descriptor " + std::to_string(fd) + " is not a listening socket";
      return false;
    }
  }
  if (fcntl(report_fd, F_SETFD, FD_CLOEXEC) != 0) {
    *error = std::string(kUpgradeFdVariable) + ": descriptor " + std::to_string(report_fd) + " is not open";
    return false;
  }
  return true;
}

}  // namespace

bool take_inheritance(Inheritance* out, std::string* error) {
  const char* listen = getenv(kListenFdsVariable);
  const char* report = getenv(kUpgradeFdVariable);
  std::string listen_text = listen ? listen : "", report_text = report ? report : "";
  unsetenv(kListenFdsVariable);
  unsetenv(kUpgradeFdVariable);
  if (!listen && !report) return true;
  if (!listen || !report) {
    *error = std::string(listen ? kUpgradeFdVariable : kListenFdsVariable) + " is missing; " +
             (listen ? kListenFdsVariable : kUpgradeFdVariable) + " alone is not a binary upgrade";
    return false;
  }
  Inheritance got;
  std::vector<int> report_fds;
  if (!parse_variable(kListenFdsVariable, listen_text, &got.listen_fds, error) ||
      !parse_variable(kUpgradeFdVariable, report_text, &report_fds, error)) {
    return false;
  }
  if (report_fds.size() != 1) {
    *error = std::string(kUpgradeFdVariable) + ": expected one descriptor, got \"" + report_text + "\"";
    return false;
  }
  got.report_fd = report_fds[0];
  got.old_master = getppid();
  if (!check_inherited(got.listen_fds, got.report_fd, error)) return false;
  *out = got;
  return true;
}

void report_early_upgrade_failure(const std::string& reason) {
  const char* report = getenv(kUpgradeFdVariable);
  std::vector<int> fds;
  std::string ignored;
  if (report == nullptr || !parse_fd_list(report, &fds, &ignored) || fds.size() != 1) return;
  send_line(fds[0], "failed " + reason);
}

}  // namespace hearth
