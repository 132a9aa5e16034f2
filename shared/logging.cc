// Temporary stand-in until branch `config` lands the real logging.
#include "shared/logging.h"
namespace hearth {
bool open_logs(const LogConfig&, const std::string&, std::string*) { return true; }
void reopen_logs() {}
void close_logs() {}
void access_log(std::string_view) {}
bool access_log_enabled() { return false; }
spdlog::level::level_enum log_level_from_name(const std::string&) { return spdlog::level::info; }
}
