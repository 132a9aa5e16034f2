// The listening socket, bound by the master before it forks any worker, so
// an unusable address is reported once and every worker shares one queue.
#pragma once

#include <string>

namespace hearth {

constexpr int kListenBacklog = 511;  // nginx's default; the kernel caps it at somaxconn

// Binds `host:port` (numeric IPv4 or IPv6; port 0 = kernel's pick) with
// SO_REUSEADDR and listens. Returns the fd, or -1 with *error like
// "127.0.0.1:3000: address already in use".
int open_listen_socket(const std::string& host, int port, std::string* error);

// The address `fd` is bound to, "127.0.0.1:41234" or "[::1]:41234".
std::string bound_address(int fd);

// "host:port" as written in messages ("[::1]:80" for IPv6).
std::string format_address(const std::string& host, int port);

}  // namespace hearth
