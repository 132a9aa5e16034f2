#include "worker/http/https_redirect.h"

#include "worker/http/error_page.h"
#include "worker/http/http_syntax.h"

namespace hearth {

namespace {

// "example.com:80" -> "example.com", "[::1]:80" -> "[::1]".
std::string without_port(std::string_view host_port) {
  size_t colon = host_port.rfind(':');
  if (colon != std::string_view::npos && host_port.find(']', colon) == std::string_view::npos) {
    host_port = host_port.substr(0, colon);
  }
  return std::string(host_port);
}

// The absolute form "http://host/path" names its host itself (RFC 9112
// §3.2.2: the Host field is then ignored).
bool split_absolute(const std::string& target, std::string* host, std::string* rest) {
  size_t scheme_end = target.find("://");
  if (scheme_end == std::string::npos) return false;
  size_t path = target.find('/', scheme_end + 3);
  *host = target.substr(scheme_end + 3, path == std::string::npos ? std::string::npos : path - scheme_end - 3);
  *rest = path == std::string::npos ? "/" : target.substr(path);
  return true;
}

}  // namespace

std::string https_location(const Request& req, int https_port) {
  std::string host = req.header("Host");
  std::string target = req.target;
  if (target.empty() || target[0] != '/') {
    if (!split_absolute(req.target, &host, &target)) target = "/";  // "*" or an authority
  }
  if (host.empty() || !http_syntax::is_host_port(host)) return "";
  std::string location = "https://" + without_port(host);
  if (https_port != 443) location += ":" + std::to_string(https_port);
  return location + target;
}

void answer_https_redirect(const Request& req, int https_port, Response* res) {
  std::string location = https_location(req, https_port);
  if (location.empty()) {
    error_page(nullptr, 400, res);
    return;
  }
  res->html("<html><head><title>301 Moved Permanently</title></head><body><h1>301 Moved Permanently</h1></body></html>\n",
            301);
  res->set_header("Location", location);
}

}  // namespace hearth
