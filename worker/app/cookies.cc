#include "worker/app/cookies.h"

#include <hearth/cookies.h>

#include <stdexcept>

#include "worker/http/http_chars.h"

namespace hearth {

namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

// cookie-octet: visible ASCII except '"', ',', ';' and '\' (RFC 6265 §4.1.1).
bool is_cookie_octet(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
         (c >= 0x5D && c <= 0x7E);
}

bool is_token(std::string_view s) {
  return !s.empty() && http_syntax::chars::all_of(s, http_syntax::chars::kTchar);
}

// Attribute values (path, domain) end the header at ';' and must not break it.
void check_attribute(std::string_view what, std::string_view v) {
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7F || c == ';') throw std::invalid_argument("cookie " + std::string(what) + " has a ';' or control character");
  }
}

}  // namespace

void parse_cookie_header(std::string_view header, Params* out) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = trim_spaces(header.substr(0, semi));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && eq > 0) {
      std::string name(trim_spaces(pair.substr(0, eq)));
      out->emplace(std::move(name), std::string(unquote(trim_spaces(pair.substr(eq + 1)))));
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
}

std::string format_set_cookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  if (!is_token(name)) throw std::invalid_argument("cookie name is not a token: " + std::string(name));
  for (unsigned char c : value) {
    if (!is_cookie_octet(c)) throw std::invalid_argument("cookie value has a character cookies may not carry");
  }
  check_attribute("path", options.path);
  check_attribute("domain", options.domain);
  check_attribute("SameSite", options.same_site);
  std::string out;
  out.append(name).append("=").append(value);
  if (!options.path.empty()) out.append("; Path=").append(options.path);
  if (!options.domain.empty()) out.append("; Domain=").append(options.domain);
  if (options.max_age) out.append("; Max-Age=").append(std::to_string(*options.max_age));
  if (options.secure) out.append("; Secure");
  if (options.http_only) out.append("; HttpOnly");
  if (!options.same_site.empty()) out.append("; SameSite=").append(options.same_site);
  return out;
}

}  // namespace hearth
