#include "shared/address_allow_list.h"

#include <arpa/inet.h>

#include <cstring>

namespace hearth {
namespace {

// An address as the matcher sees it: IPv4 (4 bytes) or IPv6 (16 bytes).
struct Address {
  bool v6 = false;
  uint8_t bytes[16] = {};
};

bool is_v4_mapped(const uint8_t* b) {
  static const uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, kPrefix, sizeof kPrefix) == 0;
}

// Parses numeric IPv4 or IPv6 text; "::ffff:a.b.c.d" becomes a.b.c.d, so a
// dual-stack listener's IPv4 clients match IPv4 entries. `*mapped` tells
// the caller to shift an IPv6 prefix length onto the IPv4 address.
bool parse_address(const std::string& text, Address* out, bool* mapped) {
  *mapped = false;
  if (inet_pton(AF_INET, text.c_str(), out->bytes) == 1) {
    out->v6 = false;
    return true;
  }
  uint8_t b[16];
  if (inet_pton(AF_INET6, text.c_str(), b) != 1) return false;
  if (is_v4_mapped(b)) {
    out->v6 = false;
    std::memcpy(out->bytes, b + 12, 4);
    *mapped = true;
    return true;
  }
  out->v6 = true;
  std::memcpy(out->bytes, b, 16);
  return true;
}

// "8" -> 8 when from 0 to `max`; anything else fails.
bool parse_prefix(const std::string& text, int max, int* bits) {
  if (text.empty() || text.size() > 3) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > max) return false;
  *bits = value;
  return true;
}

// True when the first `bits` bits of `a` and `b` agree.
bool same_prefix(const uint8_t* a, const uint8_t* b, int bits) {
  int whole = bits / 8, rest = bits % 8;
  if (std::memcmp(a, b, static_cast<size_t>(whole)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

AddressAllowList AddressAllowList::loopback() {
  AddressAllowList list;
  std::string ignored;
  list.add("127.0.0.0/8", &ignored);
  list.add("::1", &ignored);
  return list;
}

bool AddressAllowList::add(const std::string& entry, std::string* error) {
  size_t slash = entry.find('/');
  std::string address_text = entry.substr(0, slash);
  Address address;
  bool mapped = false;
  if (!parse_address(address_text, &address, &mapped)) {
    *error = "\"" + entry + "\" is not an IP address or CIDR block (\"127.0.0.1\", \"10.0.0.0/8\", \"::1\")";
    return false;
  }
  int max_bits = address.v6 || mapped ? 128 : 32;
  int bits = max_bits;
  if (slash != std::string::npos && !parse_prefix(entry.substr(slash + 1), max_bits, &bits)) {
    *error = "\"" + entry + "\": the prefix length after '/' must be from 0 to " + std::to_string(max_bits);
    return false;
  }
  if (mapped) {
    if (bits < 96) {
      *error = "\"" + entry + "\": an IPv4-mapped block needs a prefix length of 96 or more";
      return false;
    }
    bits -= 96;
  }
  Block block;
  block.v6 = address.v6;
  std::memcpy(block.bytes, address.bytes, sizeof block.bytes);
  block.prefix_bits = bits;
  blocks_.push_back(block);
  return true;
}

bool AddressAllowList::allows(const std::string& text) const {
  Address address;
  bool mapped = false;
  if (!parse_address(text, &address, &mapped)) return false;
  for (const Block& block : blocks_) {
    if (block.v6 == address.v6 && same_prefix(block.bytes, address.bytes, block.prefix_bits)) return true;
  }
  return false;
}

}  // namespace hearth
