// Error answers: JSON for clients that ask for JSON (or send it), a small
// HTML page otherwise.
#pragma once

#include <hearth/request.h>
#include <hearth/response.h>

#include <string_view>

namespace hearth {

// Fills `res` with `status` and a body naming it, plus `message` when one is
// given (an app's HttpError). `req` may be null when the request could not
// be parsed.
void error_page(const Request* req, int status, Response* res, std::string_view message = {});

}  // namespace hearth
