#include "shared/upstream_address.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <algorithm>

namespace hearth {

namespace {

bool parse_unix(const std::string& text, UpstreamAddress* out, std::string* error) {
  std::string path = text.substr(5);
  if (path.empty() || path[0] != '/') {
    *error = "a unix socket needs an absolute path, as in \"unix:/run/app.sock\", got \"" + text + "\"";
    return false;
  }
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    *error = "the socket path is longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes";
    return false;
  }
  *out = UpstreamAddress{text, "", 0, path};
  return true;
}

bool valid_host(const std::string& host, bool bracketed) {
  unsigned char buffer[sizeof(in6_addr)];
  if (bracketed) return inet_pton(AF_INET6, host.c_str(), buffer) == 1;
  return inet_pton(AF_INET, host.c_str(), buffer) == 1;
}

}  // namespace

bool parse_upstream_address(const std::string& text, UpstreamAddress* out, std::string* error) {
  if (text.compare(0, 5, "unix:") == 0) return parse_unix(text, out, error);
  const std::string usage = "expected \"HOST:PORT\", \"[IPV6]:PORT\" or \"unix:/path\", got \"" + text + "\"";
  bool bracketed = !text.empty() && text[0] == '[';
  size_t colon = bracketed ? text.find("]:") : text.rfind(':');
  if (colon == std::string::npos || (!bracketed && text.find(':') != colon)) {
    *error = usage;
    return false;
  }
  std::string host = bracketed ? text.substr(1, colon - 1) : text.substr(0, colon);
  std::string port = text.substr(colon + (bracketed ? 2 : 1));
  if (host == "localhost") host = "127.0.0.1";
  bool digits = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  int number = digits ? std::stoi(port) : 0;
  if (!valid_host(host, bracketed) || number < 1 || number > 65535) {
    *error = usage + " (HOST numeric or \"localhost\", PORT 1 to 65535)";
    return false;
  }
  *out = UpstreamAddress{text, host, number, ""};
  return true;
}

}  // namespace hearth
