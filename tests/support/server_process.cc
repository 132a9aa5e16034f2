#include "tests/support/server_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

namespace hearth::test {

std::string hearth_binary() {
  const char* env = getenv("HEARTH_BIN");
  return env != nullptr ? env : "build/hearth";
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) n++;
  return n;
}

bool eventually(int timeout_ms, const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ServerProcess::ServerProcess() {
  dir_.mkdir("root");
  config_ = {{"listen", "127.0.0.1:0"},
             {"workers", 1},
             {"root", root()},
             {"log", {{"error", error_log_path()}, {"access", "off"}, {"level", "info"}}}};
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);  // its own process group: the master and its workers
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

void ServerProcess::write_config() {
  std::ofstream out(config_path(), std::ios::trunc);
  out << config_.dump(2) << "\n";
}

bool ServerProcess::start(const std::vector<std::string>& args, int timeout_ms) {
  write_config();
  std::string bin = binary_.empty() ? hearth_binary() : binary_;
  std::vector<std::string> argv_s = {bin, "-c", config_path()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  setpgid(pid_, pid_);
  // The master logs one line per listener, in the config's order.
  const nlohmann::json& listen = config_["listen"];
  size_t listeners = listen.is_array() ? listen.size() : 1;
  std::regex listening("listening on [^ ]*:([0-9]+)");
  return eventually(timeout_ms, [&] {
    std::string log = error_log();
    ports_.clear();
    for (std::sregex_iterator it(log.begin(), log.end(), listening), end; it != end; ++it) {
      if (ports_.size() < listeners) ports_.push_back(std::stoi((*it)[1]));
    }
    if (ports_.size() < listeners) return false;
    port_ = ports_[0];
    return port_ > 0;
  });
}

std::string ServerProcess::error_log() const { return read_file(error_log_path()); }

bool ServerProcess::wait_for_log(const std::string& needle, int timeout_ms, int times) const {
  return eventually(timeout_ms, [&] { return count_of(error_log(), needle) >= times; });
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ServerProcess::stop(int sig, int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = -1;
  bool exited = eventually(timeout_ms, [&] { return waitpid(pid_, &status, WNOHANG) == pid_; });
  if (!exited) return -1;
  kill(-pid_, SIGKILL);  // anything of its group still around
  pid_ = -1;
  return status;
}

}  // namespace hearth::test
