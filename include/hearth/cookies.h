// Cookies (RFC 6265): the attributes of a Set-Cookie header. Reading the
// request's cookies is Request::cookie().
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hearth {

struct CookieOptions {
  std::string path = "/";
  std::string domain;                 // empty: this host only
  std::optional<int64_t> max_age;     // seconds; 0 deletes the cookie; unset: a session cookie
  bool secure = false;
  bool http_only = true;              // not readable from JavaScript: the safe default
  std::string same_site = "Lax";      // "Strict", "Lax", "None" (needs secure) or "" to omit
};

// The Set-Cookie value for `name`=`value` with `options`. Throws
// std::invalid_argument when the name is not a token or the value has
// characters outside RFC 6265's cookie-octet (space, quote, comma, ';', '\').
std::string format_set_cookie(std::string_view name, std::string_view value, const CookieOptions& options = {});

}  // namespace hearth
