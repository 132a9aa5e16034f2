#include "worker/http/error_page.h"

#include <string>

#include "worker/http/response_body.h"

namespace hearth {

namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

void error_page(const Request* req, int status, Response* res, std::string_view message) {
  res->status = status;
  res->engine_body.reset();
  res->shared_body.reset();
  const char* reason = status_reason(status);
  if (req != nullptr && req->wants_json()) {
    nlohmann::json body = {{"error", reason}, {"status", status}};
    if (!message.empty()) body["message"] = std::string(message);
    res->json(body, status);
    return;
  }
  std::string code = std::to_string(status);
  std::string detail = message.empty() ? "" : "<p>" + escape_html(message) + "</p>\r\n";
  res->html("<html>\r\n<head><title>" + code + " " + reason + "</title></head>\r\n<body>\r\n<center><h1>" + code +
                " " + reason + "</h1></center>\r\n" + detail + "<hr><center>hearth</center>\r\n</body>\r\n</html>\r\n",
            status);
}

}  // namespace hearth
