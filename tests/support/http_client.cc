#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <strings.h>

namespace hearth {
namespace test {

namespace {

constexpr size_t kMaxResponseBytes = 16 << 20;

int connect_to(int port, std::chrono::milliseconds timeout, std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + strerror(errno);
    return -1;
  }
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = std::string("connect: ") + strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

bool dechunk(const std::string& in, std::string* out) {
  size_t pos = 0;
  out->clear();
  for (int i = 0; i < 100000; i++) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    size_t size = strtoul(in.c_str() + pos, nullptr, 16);
    pos = eol + 2;
    if (size == 0) return true;
    if (pos + size > in.size()) return false;
    out->append(in, pos, size);
    pos += size + 2;
  }
  return false;
}

void parse(const std::string& raw, HttpReply* r) {
  size_t end = raw.find("\r\n\r\n");
  if (raw.compare(0, 9, "HTTP/1.1 ") != 0 && raw.compare(0, 9, "HTTP/1.0 ") != 0) {
    r->error = "no status line";
    return;
  }
  if (end == std::string::npos) {
    r->error = "incomplete head";
    return;
  }
  r->head = raw.substr(0, end + 2);
  r->body = raw.substr(end + 4);
  r->status = atoi(raw.c_str() + 9);
  if (strcasecmp(r->header("Transfer-Encoding").c_str(), "chunked") == 0) {
    std::string plain;
    if (!dechunk(r->body, &plain)) {
      r->status = 0;
      r->error = "bad chunked body";
      return;
    }
    r->body = plain;
    return;
  }
  std::string length = r->header("Content-Length");
  if (!length.empty() && r->body.size() != strtoull(length.c_str(), nullptr, 10)) {
    r->status = 0;
    r->error = "body of " + std::to_string(r->body.size()) + " bytes, Content-Length " + length;
  }
}

}  // namespace

std::string HttpReply::header(const std::string& name) const {
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    size_t eol = head.find("\r\n", start);
    if (eol == std::string::npos) break;
    size_t colon = head.find(':', start);
    if (colon != std::string::npos && colon < eol && colon - start == name.size() &&
        strncasecmp(head.c_str() + start, name.c_str(), name.size()) == 0) {
      size_t v = head.find_first_not_of(' ', colon + 1);
      return head.substr(v, eol - v);
    }
    pos = eol;
  }
  return "";
}

HttpReply http_get(int port, const std::string& target, std::chrono::milliseconds timeout) {
  HttpReply r;
  int fd = connect_to(port, timeout, &r.error);
  if (fd < 0) return r;
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    r.error = std::string("send: ") + strerror(errno);
    close(fd);
    return r;
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
      if (raw.size() > kMaxResponseBytes) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) r.error = std::string("recv: ") + strerror(errno);
    break;
  }
  close(fd);
  r.got_bytes = !raw.empty();
  if (!r.got_bytes) {
    if (r.error.empty()) r.error = "closed before any byte";
    return r;
  }
  std::string recv_error = r.error;
  parse(raw, &r);
  // A reset after a complete response does not spoil it.
  if (r.status != 0) r.error.clear();
  else if (!recv_error.empty()) r.error += " (" + recv_error + ")";
  return r;
}

}  // namespace test
}  // namespace hearth
