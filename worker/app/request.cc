#include <hearth/request.h>

namespace hearth {

void Request::clear() {
  method.clear();
  target.clear();
  path.clear();
  query.clear();
  http_major = 1;
  http_minor = 1;
  headers.clear();
  constexpr size_t kKeptBodyBytes = 4096;  // an idle connection holds no big upload
  if (body.capacity() > kKeptBodyBytes) std::string().swap(body);
  body.clear();
  params.clear();
  remote_addr.clear();
}

// Follows the Accept header's first media range: a browser lists text/html
// first, an API client application/json.
bool Request::wants_json() const {
  const std::string* accept = headers.find("Accept");
  if (accept == nullptr) return false;
  size_t json = accept->find("application/json");
  if (json == std::string::npos) return false;
  size_t html = accept->find("text/html");
  return html == std::string::npos || json < html;
}

}  // namespace hearth
