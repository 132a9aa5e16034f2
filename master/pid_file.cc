#include "master/pid_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hearth {

namespace {

constexpr size_t kMaxFileBytes = 4096;

bool read_small_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char buf[kMaxFileBytes];
  in.read(buf, sizeof buf);
  out->assign(buf, static_cast<size_t>(in.gcount()));
  return true;
}

}  // namespace

bool write_file_atomically(const std::string& path, const std::string& content, std::string* error) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = tmp + ": " + strerror(errno);
    return false;
  }
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  int err = errno;
  ok = (close(fd) == 0) && ok;
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(tmp.c_str());
    *error = path + ": " + strerror(err);
  }
  return ok;
}

bool write_pid_file(const std::string& path, pid_t pid, std::string* error) {
  return write_file_atomically(path, std::to_string(pid) + "\n", error);
}

bool read_pid_file(const std::string& path, pid_t* pid, std::string* error) {
  std::string text;
  if (!read_small_file(path, &text)) {
    *error = path + ": " + strerror(errno);
    return false;
  }
  char* end = nullptr;
  long v = strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || v <= 0 || (*end != '\n' && *end != '\0')) {
    *error = path + ": no process id in the pid file";
    return false;
  }
  *pid = static_cast<pid_t>(v);
  return true;
}

bool process_alive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

namespace {

// After a crash and a reboot the pid in a stale file may name some other
// program. When both executables can be read and differ, it is not us.
bool runs_another_program(pid_t pid) {
  char mine[4096], theirs[4096];
  ssize_t a = readlink("/proc/self/exe", mine, sizeof mine);
  ssize_t b = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), theirs, sizeof theirs);
  if (a <= 0 || b <= 0) return false;
  return std::string(mine, static_cast<size_t>(a)) != std::string(theirs, static_cast<size_t>(b));
}

}  // namespace

bool check_not_running(const std::string& pid_file, std::string* error, pid_t predecessor) {
  pid_t pid = 0;
  std::string ignored;
  if (pid_file.empty() || !read_pid_file(pid_file, &pid, &ignored)) return true;
  if (pid == getpid() || (predecessor > 0 && pid == predecessor)) return true;
  if (!process_alive(pid) || runs_another_program(pid)) return true;
  *error = "hearth already running (pid " + std::to_string(pid) + ")";
  return false;
}

std::string reload_status_path(const std::string& pid_file) { return pid_file + ".reload"; }

bool write_reload_status(const std::string& path, const ReloadStatus& s, std::string* error) {
  std::string line = std::to_string(s.sequence) + (s.ok ? " ok " : " failed ") + s.message + "\n";
  return write_file_atomically(path, line, error);
}

bool read_reload_status(const std::string& path, ReloadStatus* s) {
  std::string text;
  if (!read_small_file(path, &text)) return false;
  std::istringstream in(text);
  std::string outcome;
  if (!(in >> s->sequence >> outcome) || (outcome != "ok" && outcome != "failed")) return false;
  s->ok = outcome == "ok";
  std::getline(in, s->message);
  if (!s->message.empty() && s->message[0] == ' ') s->message.erase(0, 1);
  return true;
}

std::string upgrade_status_path(const std::string& pid_file) { return pid_file + ".upgrade"; }

bool write_next_status(const std::string& path, bool ok, const std::string& message, std::string* error) {
  ReloadStatus last;
  uint64_t sequence = read_reload_status(path, &last) ? last.sequence + 1 : 1;
  return write_reload_status(path, {sequence, ok, message}, error);
}

PidFileClaim::~PidFileClaim() {
  if (!claimed_) return;
  unlink(pid_file_.c_str());
  unlink(reload_status_file().c_str());
  unlink(upgrade_status_file().c_str());
}

bool PidFileClaim::claim(std::string* error) {
  if (pid_file_.empty()) return true;
  claimed_ = write_pid_file(pid_file_, getpid(), error);
  return claimed_;
}

bool PidFileClaim::hand_over(pid_t successor, std::string* error) {
  if (pid_file_.empty()) return true;
  if (!write_pid_file(pid_file_, successor, error)) return false;
  claimed_ = false;
  return true;
}

}  // namespace hearth
