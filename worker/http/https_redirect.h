// A plain listener with redirect_to_https answers every request with a 301
// to the same host and target over https:// (nginx's
// `return 301 https://$host$request_uri`), never to another site: the host
// is the one the client asked for, checked to be a host and nothing more.
#pragma once

#include <string>

#include <hearth/request.h>
#include <hearth/response.h>

namespace hearth {

// The https:// URL for `req` ("https://example.com/a?b", with ":8443" when
// `https_port` is not 443), or "" when the request names no valid host.
std::string https_location(const Request& req, int https_port);

// Fills `res` with the 301 to https_location, or a 400 without a host.
void answer_https_redirect(const Request& req, int https_port, Response* res);

}  // namespace hearth
