// Error answers: JSON for clients that ask for JSON, a small HTML page otherwise.
#pragma once

#include <hearth/request.h>
#include "worker/app/response.h"

namespace hearth {

// Fills `res` with `status` and a body naming it. `req` may be null when the
// request could not be parsed.
void error_page(const Request* req, int status, Response* res);

}  // namespace hearth
