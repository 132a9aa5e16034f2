#include "worker/request.h"

namespace hearth {

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
