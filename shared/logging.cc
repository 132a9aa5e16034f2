// The error and access logs: spdlog loggers over a sink that writes each
// line with one write() and can reopen its file for logrotate.
#include "shared/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

namespace hearth {
namespace {

// Writes each formatted line with a single write(): to stderr, or to a file
// opened with O_APPEND, which reopen() swaps for a new file at the same
// path. spdlog's basic_file_sink buffers through stdio and cannot reopen.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // A sink writing to stderr, which it does not own.
  LineSink() : fd_(STDERR_FILENO) {}
  ~LineSink() override {
    if (!path_.empty()) ::close(fd_);
  }
  LineSink(const LineSink&) = delete;
  LineSink& operator=(const LineSink&) = delete;

  // A sink appending to `path`, or null with `*error` set.
  static std::shared_ptr<LineSink> open_file(const std::string& path, std::string* error) {
    int fd = open_for_append(path, error);
    if (fd < 0) return nullptr;
    auto sink = std::make_shared<LineSink>();
    sink->fd_ = fd;
    sink->path_ = path;
    return sink;
  }

  // Opens the path again and writes there from now on. True for stderr.
  bool reopen(std::string* error) {
    if (path_.empty()) return true;
    int fd = open_for_append(path_, error);
    if (fd < 0) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    ::close(fd_);
    fd_ = fd;
    return true;
  }

  const std::string& path() const { return path_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    write_all(line.data(), line.size());
  }
  void flush_() override {}  // nothing is buffered

 private:
  static int open_for_append(const std::string& path, std::string* error) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) *error = "cannot open log file " + path + ": " + std::strerror(errno);
    return fd;
  }

  // A log line that cannot be written (disk full, closed pipe) is dropped:
  // logging must never stop the server.
  void write_all(const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      data += n;
      size -= static_cast<size_t>(n);
    }
  }

  int fd_;
  std::string path_;  // "" for stderr
};

// nginx's level names: "warn", not spdlog's "warning".
class LevelNameFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static const char* const kNames[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    const char* name = kNames[static_cast<int>(msg.level)];
    dest.append(name, name + std::strlen(name));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelNameFlag>();
  }
};

// "2026/11/24 01:02:03 [error] 1234#0: worker 2: message"
std::unique_ptr<spdlog::formatter> error_formatter(const std::string& process_label) {
  std::string label;
  for (char c : process_label) label += c == '%' ? "%%" : std::string(1, c);
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelNameFlag>('*');
  formatter->set_pattern("%Y/%m/%d %H:%M:%S [%*] %P#0: " + (label.empty() ? "" : label + ": ") + "%v");
  return formatter;
}

// "stderr", "off" (null: no sink) or a file.
bool open_target(const std::string& target, std::shared_ptr<LineSink>* sink, std::string* error) {
  if (target == "off") {
    sink->reset();
  } else if (target == "stderr") {
    *sink = std::make_shared<LineSink>();
  } else {
    *sink = LineSink::open_file(target, error);
  }
  return target == "off" || *sink != nullptr;
}

std::shared_ptr<spdlog::logger> make_logger(const char* name, const std::shared_ptr<LineSink>& sink) {
  std::vector<spdlog::sink_ptr> sinks;
  if (sink) sinks.push_back(sink);
  return std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
}

struct Logs {
  std::shared_ptr<LineSink> error_sink;   // null when off
  std::shared_ptr<LineSink> access_sink;  // null when off
  std::shared_ptr<spdlog::logger> access_logger;
};

Logs& logs() {
  static Logs* instance = new Logs();  // never destroyed: loggers outlive static destructors
  return *instance;
}

std::atomic<bool> access_enabled{false};

}  // namespace

spdlog::level::level_enum log_level_from_name(const std::string& name) {
  static const std::pair<const char*, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  for (const auto& level : kLevels) {
    if (name == level.first) return level.second;
  }
  return spdlog::level::info;
}

bool open_logs(const LogConfig& config, const std::string& process_label, std::string* error) {
  Logs opened;
  if (!open_target(config.error_log, &opened.error_sink, error) ||
      !open_target(config.access_log, &opened.access_sink, error)) {
    return false;
  }
  auto error_logger = make_logger("", opened.error_sink);
  error_logger->set_formatter(error_formatter(process_label));
  error_logger->set_level(log_level_from_name(config.level));
  opened.access_logger = make_logger("access", opened.access_sink);
  opened.access_logger->set_pattern("%v");
  opened.access_logger->set_level(spdlog::level::info);

  spdlog::set_default_logger(error_logger);
  logs() = opened;
  access_enabled.store(opened.access_sink != nullptr, std::memory_order_relaxed);
  return true;
}

void reopen_logs() {
  std::string error;
  for (const auto& sink : {logs().error_sink, logs().access_sink}) {
    if (sink && !sink->reopen(&error)) spdlog::error("{}; still writing to the old file", error);
  }
}

void close_logs() {
  access_enabled.store(false, std::memory_order_relaxed);
  std::string error;
  open_logs(LogConfig{"stderr", "off", "info"}, "", &error);
}

void access_log(std::string_view line) {
  if (!access_log_enabled()) return;
  logs().access_logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
}

bool access_log_enabled() { return access_enabled.load(std::memory_order_relaxed); }

}  // namespace hearth
