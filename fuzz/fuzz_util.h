// Helpers shared by the harnesses: a check that stops the fuzzer with a
// message (libFuzzer then saves the input), and the ways an input is cut into
// reads, so that every harness that parses a stream tries the same splits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

// Like assert, but always on and loud: the message says which invariant broke.
#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                                   \
    }                                                                                     \
  } while (0)

namespace hearth::fuzz {

// How a stream is cut into reads.
enum class Split { kWhole, kBytes, kFromInput, kTwoPieces };
constexpr Split kSplits[] = {Split::kBytes, Split::kFromInput, Split::kTwoPieces};

// Chunk sizes that add up to `s.size()`. kFromInput takes the sizes from the
// input's own bytes (1..32, cycling), so mutating a byte moves the cuts;
// kTwoPieces cuts once, where a hash of the input says.
inline std::vector<size_t> chunk_sizes(std::string_view s, Split split) {
  std::vector<size_t> sizes;
  size_t n = s.size();
  if (n == 0) return sizes;
  switch (split) {
    case Split::kWhole:
      sizes.push_back(n);
      break;
    case Split::kBytes:
      sizes.assign(n, 1);
      break;
    case Split::kFromInput:
      for (size_t left = n, i = 0; left > 0; i++) {
        size_t k = static_cast<uint8_t>(s[i % n]) % 32 + 1;
        if (k > left) k = left;
        sizes.push_back(k);
        left -= k;
      }
      break;
    case Split::kTwoPieces: {
      uint32_t h = 2166136261u;  // FNV-1a
      for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
      size_t cut = h % (n + 1);
      if (cut > 0) sizes.push_back(cut);
      if (cut < n) sizes.push_back(n - cut);
      break;
    }
  }
  return sizes;
}

// The input as a list of reads.
inline std::vector<std::string_view> chunks(std::string_view s, Split split) {
  std::vector<std::string_view> out;
  size_t off = 0;
  for (size_t k : chunk_sizes(s, split)) {
    out.push_back(s.substr(off, k));
    off += k;
  }
  return out;
}

}  // namespace hearth::fuzz
