// The TLS session-ticket keys every worker shares, so a client that got a
// ticket from one worker resumes on any other (and on the next generation
// after a reload) without a full handshake.
//
// The master creates the keys in shared memory before it forks and is the
// only writer: rotate() makes a fresh random key the one that encrypts new
// tickets and keeps the previous ones for decrypting, so a ticket stays
// usable for (kKeys - 1) rotation periods. Workers read a consistent copy
// under a seqlock for every ticket they issue or open. The keys never leave
// memory: a new master (binary upgrade) starts with new ones, and its
// clients do one full handshake each.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace hearth {

struct TicketKey {
  uint8_t name[16];   // sent in the clear with the ticket: picks the key
  uint8_t aes[32];    // AES-256-CBC key of the ticket
  uint8_t hmac[32];   // HMAC-SHA256 key of the ticket
};

class TicketKeys {
 public:
  static constexpr int kKeys = 3;  // the current one, then older ones

  // Maps the shared region and generates the first key. Null with *error
  // when mmap or the random source fails.
  static std::unique_ptr<TicketKeys> create(std::string* error);
  ~TicketKeys();
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  // Master only: a new current key; the oldest is forgotten.
  bool rotate(std::string* error);

  // A consistent copy: keys[0] is current. False when no copy could be
  // read (the writer died mid-write): issue no ticket, accept none.
  bool snapshot(TicketKey keys[kKeys]) const;

 private:
  struct Region;
  explicit TicketKeys(Region* region) : region_(region) {}
  Region* region_;
};

}  // namespace hearth
