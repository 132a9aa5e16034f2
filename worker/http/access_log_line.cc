#include "worker/http/access_log_line.h"

#include <ctime>

namespace hearth {

namespace {

// "24/Nov/2026:01:17:39 +0000", rebuilt at most once per second.
const std::string& time_local() {
  static time_t cached_second = -1;
  static std::string text;
  time_t now = time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    struct tm tm;
    localtime_r(&now, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S %z", &tm);
    text = buf;
  }
  return text;
}

// Quotes are escaped so a crafted User-Agent cannot forge log fields.
void append_quoted(std::string* out, const std::string* value) {
  out->push_back('"');
  if (value == nullptr || value->empty()) {
    out->push_back('-');
  } else {
    for (char c : *value) {
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
        static const char hex[] = "0123456789ABCDEF";
        out->append("\\x");
        out->push_back(hex[(c >> 4) & 0xF]);
        out->push_back(hex[c & 0xF]);
      } else {
        out->push_back(c);
      }
    }
  }
  out->push_back('"');
}

}  // namespace

std::string format_access_line(const Request& req, int status, uint64_t body_bytes) {
  std::string line;
  line.reserve(200);
  line += req.remote_addr;
  line += " - - [";
  line += time_local();
  line += "] ";
  std::string request_line = req.method + " " + req.target + " HTTP/" + std::to_string(req.http_major) + "." +
                             std::to_string(req.http_minor);
  append_quoted(&line, &request_line);
  line += " " + std::to_string(status) + " " + std::to_string(body_bytes) + " ";
  append_quoted(&line, req.headers.find("Referer"));
  line += ' ';
  append_quoted(&line, req.headers.find("User-Agent"));
  return line;
}

std::string format_error_access_line(const std::string& remote_addr, int status) {
  return remote_addr + " - - [" + time_local() + "] \"-\" " + std::to_string(status) + " 0 \"-\" \"-\"";
}

}  // namespace hearth
