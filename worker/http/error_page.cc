#include "worker/http/error_page.h"

#include <string>

namespace hearth {

void error_page(const Request* req, int status, Response* res) {
  res->status = status;
  res->parts.clear();
  res->stream.reset();
  const char* reason = status_reason(status);
  if (req != nullptr && req->wants_json()) {
    res->json({{"error", reason}, {"status", status}}, status);
    return;
  }
  std::string code = std::to_string(status);
  res->html("<html>\r\n<head><title>" + code + " " + reason + "</title></head>\r\n<body>\r\n<center><h1>" + code +
                " " + reason + "</h1></center>\r\n<hr><center>hearth</center>\r\n</body>\r\n</html>\r\n",
            status);
}

}  // namespace hearth
