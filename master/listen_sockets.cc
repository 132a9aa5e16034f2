#include "master/listen_sockets.h"

#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "master/listen_socket.h"
#include "worker/tls/tls_context.h"

namespace hearth {

int take_socket_bound_to(std::vector<int>* fds, const std::string& host, int port) {
  for (auto it = fds->begin(); it != fds->end(); ++it) {
    if (!bound_to(*it, host, port)) continue;
    int fd = *it;
    fds->erase(it);
    return fd;
  }
  return -1;
}

bool load_tls_contexts(const Config& config, const TicketKeys* keys, ListenSet* set, std::string* error) {
  set->tls.clear();
  for (const ListenConfig& listener : config.listeners) {
    if (!listener.tls) {
      set->tls.push_back(nullptr);
      continue;
    }
    std::vector<std::string> warnings;
    auto context = TlsContext::load(listener.tls_config, keys, &warnings, error);
    if (!context) return false;
    for (const std::string& warning : warnings) spdlog::warn("{}", warning);
    set->tls.push_back(std::move(context));
  }
  return true;
}

namespace {

void log_listening(int fd, const ListenConfig& listener, const std::string& origin) {
  std::string suffix = listener.tls ? " (tls)" : "";
  if (!origin.empty()) suffix += " (" + origin + ")";
  spdlog::info("listening on {}{}", bound_address(fd), suffix);
}

}  // namespace

bool open_listen_set(const Config& config, std::vector<int>* reuse, const std::string& origin, const TicketKeys* keys,
                     ListenSet* set, std::string* error) {
  ListenSet opened;
  if (!load_tls_contexts(config, keys, &opened, error)) return false;
  std::vector<int> fresh;  // ours to close if a later one fails
  for (const ListenConfig& listener : config.listeners) {
    int fd = take_socket_bound_to(reuse, listener.host, listener.port);
    if (fd >= 0) {
      if (!origin.empty()) log_listening(fd, listener, origin);
    } else {
      fd = open_listen_socket(listener.host, listener.port, error);
      if (fd < 0) {
        // The sockets taken from `reuse` go back; the new ones close.
        for (int taken : opened.fds) {
          if (std::find(fresh.begin(), fresh.end(), taken) == fresh.end()) reuse->push_back(taken);
        }
        for (int made : fresh) close(made);
        return false;
      }
      fresh.push_back(fd);
      log_listening(fd, listener, "");
    }
    opened.fds.push_back(fd);
  }
  *set = std::move(opened);
  return true;
}

void close_unshared(const ListenSet& set, const ListenSet& keep) {
  for (int fd : set.fds) {
    if (std::find(keep.fds.begin(), keep.fds.end(), fd) == keep.fds.end()) close(fd);
  }
}

}  // namespace hearth
