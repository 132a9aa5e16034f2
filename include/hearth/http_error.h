// An exception a handler throws to answer with a status of its choice:
//
//   if (!user) throw hearth::HttpError(404, "no such user");
//
// hearth answers with that status and the message: as JSON when the request
// is JSON ({"error": "Not Found", "status": 404, "message": "no such user"}),
// else as a small HTML page. Any other exception is a 500 whose message
// stays in the log.
#pragma once

#include <stdexcept>
#include <string>

namespace hearth {

class HttpError : public std::runtime_error {
 public:
  // `status` 400..599; `message` is shown to the client.
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace hearth
