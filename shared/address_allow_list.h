// Which clients may use an operator route (/status, /debug/*): a list of
// addresses and CIDR blocks, like nginx's `allow` lines before `deny all`.
// Plain data, so a Config holding one crosses fork() as it is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

class AddressAllowList {
 public:
  // Loopback only: 127.0.0.0/8 and ::1.
  static AddressAllowList loopback();

  // Adds "127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32". An IPv4-mapped
  // IPv6 entry ("::ffff:127.0.0.1", "::ffff:10.0.0.0/104") is the IPv4 one.
  // Bits below the prefix are ignored ("10.1.2.3/8" is "10.0.0.0/8"). Fails
  // with a message for anything else (names, bad prefix lengths).
  bool add(const std::string& entry, std::string* error);

  // True when `address` (numeric text, as in Request::remote_addr) is in an
  // entry. IPv4-mapped IPv6 clients count as their IPv4 address; text that
  // is not an address is never allowed.
  bool allows(const std::string& address) const;

  bool empty() const { return blocks_.empty(); }

 private:
  struct Block {
    bool v6 = false;
    uint8_t bytes[16] = {};  // IPv4 uses the first 4
    int prefix_bits = 0;
  };
  std::vector<Block> blocks_;
};

}  // namespace hearth
