// The character classes of HTTP/1.1 (RFC 9110, RFC 3986) as one table, so
// each check is a load and a mask. Internal to the engine: the request
// parser's pieces, and the checks on what apps put in headers and cookies.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace hearth::http_syntax::chars {

// One table for the character classes, so each check is a load and a mask.
enum : uint8_t {
  kTchar = 1,       // RFC 9110 §5.6.2
  kFieldValue = 2,  // VCHAR, obs-text, SP, HTAB (RFC 9110 §5.5)
  kHex = 4,
  kRegName = 8,     // unreserved and sub-delims but ',' (RFC 3986 §3.2.2); '%' is checked apart
  kQdText = 16,     // quoted-string text (RFC 9110 §5.6.4)
  kVchar = 32,      // visible ASCII: what a request-target may hold
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; c++) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || digit || (c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                          std::string_view::npos))
      v |= kTchar;
    if ((c >= 0x21 && c <= 0x7e) || c >= 0x80 || c == ' ' || c == '\t') v |= kFieldValue;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
    if (alpha || digit || (c != 0 && std::string_view("-._~!$&'()*+;=").find(static_cast<char>(c)) !=
                                         std::string_view::npos))
      v |= kRegName;
    if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80)
      v |= kQdText;
    if (c >= 0x21 && c <= 0x7e) v |= kVchar;
    t[c] = v;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kClasses = make_classes();

inline bool has(unsigned char c, uint8_t cls) { return (kClasses[c] & cls) != 0; }
inline bool all_of(std::string_view s, uint8_t cls) {
  for (char c : s) {
    if (!has(static_cast<unsigned char>(c), cls)) return false;
  }
  return true;
}
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline int hex_value(unsigned char c) {
  if (c <= '9') return c - '0';
  return (c | 0x20) - 'a' + 10;
}

}  // namespace hearth::http_syntax::chars
