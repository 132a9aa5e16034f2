#include "worker/app/response.h"

#include <unistd.h>

namespace hearth {

OpenFile::~OpenFile() {
  if (fd >= 0) ::close(fd);
}

BodyPart BodyPart::memory(std::string bytes) {
  BodyPart p;
  p.data = std::move(bytes);
  return p;
}

BodyPart BodyPart::file_slice(std::shared_ptr<const OpenFile> f, uint64_t offset, uint64_t length) {
  BodyPart p;
  p.file = std::move(f);
  p.offset = offset;
  p.length = length;
  return p;
}

void Response::json(const nlohmann::json& value, int status_code) {
  status = status_code;
  headers.set("Content-Type", "application/json");
  // Replace invalid UTF-8 rather than throw: bodies may echo client bytes.
  body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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

uint64_t Response::body_length() const {
  if (stream) return 0;
  if (parts.empty()) return body_bytes().size();
  uint64_t n = 0;
  for (const BodyPart& p : parts) n += p.size();
  return n;
}

const char* status_reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
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
