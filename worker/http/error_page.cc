#include "worker/http/error_page.h"

#include <string>

#include "worker/http/response_body.h"

namespace hearth {

namespace {

void append_escaped_html(std::string* out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      case '&': *out += "&amp;"; break;
      case '"': *out += "&quot;"; break;
      default: out->push_back(c);
    }
  }
}

// nginx's page, built in one string: a chain of operator+ made a
// temporary per piece.
std::string html_page(const std::string& code, const char* reason, std::string_view message) {
  std::string page;
  page.reserve(160 + 2 * std::char_traits<char>::length(reason) + message.size());
  page += "<html>\r\n<head><title>";
  page += code;
  page += ' ';
  page += reason;
  page += "</title></head>\r\n<body>\r\n<center><h1>";
  page += code;
  page += ' ';
  page += reason;
  page += "</h1></center>\r\n";
  if (!message.empty()) {
    page += "<p>";
    append_escaped_html(&page, message);
    page += "</p>\r\n";
  }
  page += "<hr><center>hearth</center>\r\n</body>\r\n</html>\r\n";
  return page;
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
  res->html(html_page(std::to_string(status), reason, message), status);
}

}  // namespace hearth
