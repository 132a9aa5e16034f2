// The error log and the access log, on spdlog.
//
// After open_logs(), spdlog's default logger is the error log: call
// spdlog::info(...), spdlog::error(...) anywhere. Lines look like nginx's:
//   2026/11/24 01:02:03 [error] 1234#0: worker 2: message
// Every line reaches its file with one write() on an O_APPEND descriptor,
// so the master and its workers can share a file without tearing lines, and
// nothing is lost when a process crashes.
//
// Thread safety: logging is thread safe; open_logs, reopen_logs and
// close_logs are meant for the process's main thread. A forked worker calls
// open_logs again with its own label.
#pragma once

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "shared/config.h"

namespace hearth {

// Opens the logs `config` names ("stderr", "off" or a file path; files are
// created and appended to, their folder must exist) and makes the error log
// spdlog's default logger at `config.level`. `process_label` ("master",
// "worker 2") goes on every error-log line; "" leaves it out. On failure
// returns false with a message and leaves the previous logs in place.
bool open_logs(const LogConfig& config, const std::string& process_label, std::string* error);

// Reopens the log files at their paths, for logrotate: after it renamed a
// file away, a new one is created at the path and written from then on.
// A file that cannot be reopened keeps being written where it was, and the
// failure is logged.
void reopen_logs();

// Restores the state before open_logs: the default logger writes to stderr
// and the access log is off. Closes the files.
void close_logs();

// Writes one access-log line (a newline is added). A cheap no-op when the
// access log is off; callers that build the line can skip that work with
// access_log_enabled().
void access_log(std::string_view line);
bool access_log_enabled();

// The spdlog level for a config level name (see is_log_level); `info` for
// names it does not know.
spdlog::level::level_enum log_level_from_name(const std::string& name);

}  // namespace hearth
