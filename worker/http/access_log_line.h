// Access log lines in nginx's "combined" format:
// $remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
#pragma once

#include <cstdint>
#include <string>

#include <hearth/request.h>

namespace hearth {

std::string format_access_line(const Request& req, int status, uint64_t body_bytes);
// For a request that could not be parsed: the request shows as "-".
std::string format_error_access_line(const std::string& remote_addr, int status);

}  // namespace hearth
