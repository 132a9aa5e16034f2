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

// True when `fd` is a listening TCP socket (one inherited across exec
// may be anything).
bool is_listening_socket(int fd);

// True when `fd` is bound to `host:port` (numeric; port 0 = any port, as a
// config asking the kernel to pick one matches whatever it picked).
bool bound_to(int fd, const std::string& host, int port);

}  // namespace hearth
