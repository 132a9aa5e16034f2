#include "master/listen_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace hearth {

namespace {

// "Address already in use" -> "address already in use", as it reads mid-sentence.
std::string lowercase_strerror(int err) {
  std::string s = strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(tolower(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace

std::string format_address(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

int open_listen_socket(const std::string& host, int port, std::string* error) {
  std::string where = format_address(host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* ai = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &ai);
  if (rc != 0) {
    *error = where + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  const char* failed = nullptr;
  if (fd < 0) {
    failed = "socket";
  } else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    failed = "setsockopt";
  } else if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    failed = "bind";
  } else if (listen(fd, kListenBacklog) != 0) {
    failed = "listen";
  }
  int err = errno;
  freeaddrinfo(ai);
  if (failed != nullptr) {
    if (fd >= 0) close(fd);
    *error = where + ": " + lowercase_strerror(err);
    return -1;
  }
  return fd;
}

std::string bound_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  }
  return format_address(host, port);
}

bool is_listening_socket(int fd) {
  int listening = 0, type = 0;
  socklen_t len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) return false;
  len = sizeof type;
  return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

bool bound_to(int fd, const std::string& host, int port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    in_addr want{};
    return inet_pton(AF_INET, host.c_str(), &want) == 1 && want.s_addr == a->sin_addr.s_addr &&
           (port == 0 || ntohs(a->sin_port) == port);
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    in6_addr want{};
    return inet_pton(AF_INET6, host.c_str(), &want) == 1 && memcmp(&want, &a->sin6_addr, sizeof want) == 0 &&
           (port == 0 || ntohs(a->sin6_port) == port);
  }
  return false;
}

}  // namespace hearth
