// The sockets and TLS contexts of one generation (worker/listen_set.h),
// made by the master: at start, on a reload (keeping the sockets whose
// address did not change, so no connection meets a closed queue), and
// after a binary upgrade (taking the old master's sockets).
#pragma once

#include <string>
#include <vector>

#include "shared/config.h"
#include "worker/listen_set.h"

namespace hearth {

class TicketKeys;

// Of `fds`, removes and returns the socket bound to `host:port` (port 0 =
// any), or -1 when none is.
int take_socket_bound_to(std::vector<int>* fds, const std::string& host, int port);

// Loads the TLS context of every TLS listener of `config` (null entries for
// plain ones) and logs its warnings. False with *error naming the config
// line, the file and OpenSSL's reason.
bool load_tls_contexts(const Config& config, const TicketKeys* keys, ListenSet* set, std::string* error);

// Opens every listener of `config` into `set`, taking sockets from `reuse`
// when one is bound to the address (those taken are removed from it), and
// loads the TLS contexts. Logs "listening on ADDR" (with " (tls)") for each,
// `origin` saying where a reused one came from (e.g. "inherited from master
// 12"; "" logs nothing for reused sockets). On failure nothing it opened stays open.
bool open_listen_set(const Config& config, std::vector<int>* reuse, const std::string& origin, const TicketKeys* keys,
                     ListenSet* set, std::string* error);

// Closes the sockets of `set` that `keep` does not share.
void close_unshared(const ListenSet& set, const ListenSet& keep);

}  // namespace hearth
