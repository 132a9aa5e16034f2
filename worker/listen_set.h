// What one generation of workers serves on: a bound, listening socket per
// config listener (same order as Config::listeners), and the TLS context of
// each TLS listener (null for plain ones). The master binds the sockets and
// loads the certificates before it forks, so workers inherit both and a bad
// certificate never reaches a worker.
#pragma once

#include <memory>
#include <vector>

namespace hearth {

class TlsContext;

struct ListenSet {
  std::vector<int> fds;
  std::vector<std::shared_ptr<const TlsContext>> tls;
};

}  // namespace hearth
