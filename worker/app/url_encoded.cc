#include "worker/app/url_encoded.h"

namespace hearth {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void add_pair(std::string_view pair, Params* out) {
  if (pair.empty()) return;
  size_t eq = pair.find('=');
  std::string name = decode_form_component(pair.substr(0, eq));
  std::string value = eq == std::string_view::npos ? "" : decode_form_component(pair.substr(eq + 1));
  out->emplace(std::move(name), std::move(value));  // emplace keeps the first
}

}  // namespace

std::string decode_form_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Params parse_url_encoded(std::string_view text) {
  Params out;
  while (!text.empty()) {
    size_t amp = text.find('&');
    add_pair(text.substr(0, amp), &out);
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace hearth
