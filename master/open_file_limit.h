// Raises the process's open-file limit to what max_connections needs, as
// nginx's worker_rlimit_nofile does. Debian's default soft limit (1024)
// would otherwise make accept() fail long before max_connections, and libuv
// then drops waiting clients instead of letting idle connections make room.
#pragma once

#include <string>

namespace hearth {

// Raises the soft RLIMIT_NOFILE towards the hard limit, to at least
// `max_connections` plus room for files and logs. Returns false with a
// warning in *message when the hard limit is too low; workers inherit it.
bool raise_open_file_limit(int max_connections, std::string* message);

}  // namespace hearth
