#include "master/open_file_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace hearth {

namespace {
// Open files beside client sockets: the files being served (open file
// cache), logs, the listening socket, the master channel, the peer bus.
constexpr rlim_t kSpareFiles = 2048;
}  // namespace

bool raise_open_file_limit(int max_connections, std::string* message) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return true;
  rlim_t want = static_cast<rlim_t>(std::max(max_connections, 0)) + kSpareFiles;
  if (limit.rlim_cur >= want) return true;
  rlim_t target = limit.rlim_max == RLIM_INFINITY ? want : std::min(want, limit.rlim_max);
  if (target > limit.rlim_cur) {
    rlimit raised{target, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit.rlim_cur = target;
  }
  if (limit.rlim_cur >= want) return true;
  *message = "open file limit is " + std::to_string(limit.rlim_cur) + ", below the " + std::to_string(want) +
             " that limits.max_connections (" + std::to_string(max_connections) +
             ") needs; raise it (ulimit -n, LimitNOFILE=) or lower max_connections";
  return false;
}

}  // namespace hearth
