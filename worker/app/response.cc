#include <hearth/response.h>

#include <stdexcept>

#include "worker/http/response_body.h"

namespace hearth {

namespace {

// json::dump(-1, ' ', false, replace) straight into `out`: dump() builds a
// string of its own to be moved, and its output adapter costs a
// make_shared. The serializer does not own the adapter here, so the
// shared_ptr it wants aliases a local one with no control block.
void dump_into(const nlohmann::json& value, std::string* out) {
  using nlohmann::detail::output_adapter_protocol;
  nlohmann::detail::output_string_adapter<char, std::string> adapter(*out);
  std::shared_ptr<output_adapter_protocol<char>> unowned(std::shared_ptr<void>(), &adapter);
  // Replace invalid UTF-8 rather than throw: bodies may echo client bytes.
  nlohmann::detail::serializer<nlohmann::json> serializer(unowned, ' ', nlohmann::json::error_handler_t::replace);
  serializer.dump(value, false, false, 0);
}

}  // namespace

void Response::json(const nlohmann::json& value, int status_code) {
  status = status_code;
  headers.set("Content-Type", "application/json");
  body.clear();
  dump_into(value, &body);
  body.push_back('\n');
}

void Response::text(std::string s, int status_code) {
  status = status_code;
  headers.set("Content-Type", "text/plain; charset=utf-8");
  body = std::move(s);
}

void Response::html(std::string s, int status_code) {
  status = status_code;
  headers.set("Content-Type", "text/html; charset=utf-8");
  body = std::move(s);
}

void Response::redirect(const std::string& location, int status_code) {
  bool redirect_status = status_code == 301 || status_code == 302 || status_code == 303 || status_code == 307 ||
                         status_code == 308;
  if (!redirect_status) throw std::invalid_argument("redirect status must be 301, 302, 303, 307 or 308");
  // A CR or LF would let the location end the header and start another.
  if (location.find_first_of("\r\n") != std::string::npos) throw std::invalid_argument("redirect location has CR or LF");
  status = status_code;
  headers.set("Location", location);
  body.clear();
  shared_body.reset();
}

Response& Response::set_header(std::string_view name, std::string_view value) {
  headers.set(name, value);
  return *this;
}

void Response::set_cookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  headers.add("Set-Cookie", format_set_cookie(name, value, options));
}

uint64_t Response::body_length() const {
  if (has_body_stream(*this)) return 0;
  if (!has_engine_body(*this)) return body_bytes().size();
  uint64_t n = 0;
  for (const BodyPart& p : engine_body->parts) n += p.size();
  return n;
}

const char* status_reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace hearth
