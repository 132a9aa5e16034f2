#include "shared/ticket_keys.h"

#include <sys/mman.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "shared/seqlock.h"

namespace hearth {

namespace {

constexpr int kKeyWords = sizeof(TicketKey) / 8;
static_assert(sizeof(TicketKey) % 8 == 0, "a key is stored as whole words");

bool random_bytes(void* out, size_t len, std::string* error) {
  auto* p = static_cast<uint8_t*>(out);
  while (len > 0) {
    ssize_t got = getrandom(p, len, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      *error = std::string("getrandom() failed: ") + strerror(errno);
      return false;
    }
    p += got;
    len -= static_cast<size_t>(got);
  }
  return true;
}

}  // namespace

struct TicketKeys::Region {
  seqlock::Word seq{0};
  seqlock::Word words[kKeys][kKeyWords];
};

std::unique_ptr<TicketKeys> TicketKeys::create(std::string* error) {
  void* p = mmap(nullptr, sizeof(Region), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    *error = std::string("mmap() of the ticket keys failed: ") + strerror(errno);
    return nullptr;
  }
  std::unique_ptr<TicketKeys> keys(new TicketKeys(new (p) Region()));
  // Every slot gets a random key: an empty slot must not match a forged name.
  for (int i = 0; i < kKeys; i++) {
    if (!keys->rotate(error)) return nullptr;
  }
  return keys;
}

TicketKeys::~TicketKeys() { munmap(region_, sizeof(Region)); }

bool TicketKeys::rotate(std::string* error) {
  TicketKey fresh;
  if (!random_bytes(&fresh, sizeof fresh, error)) return false;
  seqlock::write(region_, [&](Region* r) {
    for (int i = kKeys - 1; i > 0; i--) {
      for (int w = 0; w < kKeyWords; w++) {
        r->words[i][w].store(r->words[i - 1][w].load(std::memory_order_relaxed), std::memory_order_relaxed);
      }
    }
    for (int w = 0; w < kKeyWords; w++) {
      uint64_t word;
      memcpy(&word, reinterpret_cast<const uint8_t*>(&fresh) + w * 8, 8);
      r->words[0][w].store(word, std::memory_order_relaxed);
    }
  });
  explicit_bzero(&fresh, sizeof fresh);
  return true;
}

bool TicketKeys::snapshot(TicketKey keys[kKeys]) const {
  return seqlock::read(region_, [&](const Region* r) {
    for (int i = 0; i < kKeys; i++) {
      for (int w = 0; w < kKeyWords; w++) {
        uint64_t word = r->words[i][w].load(std::memory_order_relaxed);
        memcpy(reinterpret_cast<uint8_t*>(&keys[i]) + w * 8, &word, 8);
      }
    }
  });
}

}  // namespace hearth
