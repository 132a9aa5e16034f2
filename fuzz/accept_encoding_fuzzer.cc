// Accept-Encoding negotiation (worker/accept_encoding.h). Input: one byte
// whose low 3 bits are the encodings the server offers, then one or two
// header values separated by '\n'. Checks: a parsed header has at most 64
// entries, lower-cased token codings and q in 0..1000; the choice is
// identity or an offered encoding the client accepts (q > 0) with no offered
// encoding ranked higher; a malformed header means identity; the caching
// EncodingChooser answers what choose_encoding answers, whatever the order
// of headers and offers.
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "worker/compress/accept_encoding.h"

namespace hearth {
namespace {

constexpr Encoding kAll[] = {Encoding::kIdentity, Encoding::kGzip, Encoding::kBrotli};

EncodingSet set_from_bits(uint8_t bits) {
  EncodingSet s;
  for (Encoding e : kAll) {
    if (bits & (1u << static_cast<unsigned>(e))) s.add(e);
  }
  return s;
}

void check_parsed(const AcceptEncoding& a) {
  FUZZ_CHECK(a.entries.size() <= 64);
  for (const AcceptEncoding::Entry& e : a.entries) {
    FUZZ_CHECK(!e.coding.empty());
    FUZZ_CHECK(e.q >= 0 && e.q <= 1000);
    for (char c : e.coding) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  }
}

// The rank choose_encoding promises: the client's q, identity being
// implicitly acceptable below every named coding; -1 when not acceptable.
int rank(const AcceptEncoding& a, Encoding e) {
  int q = a.quality(e);
  if (e == Encoding::kIdentity && q < 0) return 0;
  return q > 0 ? q : -1;
}

void check_choice(const std::string& header, EncodingSet offered) {
  Encoding chosen = choose_encoding(&header, offered);
  FUZZ_CHECK(chosen == Encoding::kIdentity || offered.has(chosen));
  AcceptEncoding a;
  if (!parse_accept_encoding(header, &a)) {
    FUZZ_CHECK(chosen == Encoding::kIdentity);
    return;
  }
  check_parsed(a);
  FUZZ_CHECK(choose_encoding(a, offered) == chosen);
  if (chosen != Encoding::kIdentity) FUZZ_CHECK(a.quality(chosen) > 0);
  for (Encoding e : kAll) {
    if (e != Encoding::kIdentity && !offered.has(e)) continue;
    FUZZ_CHECK(rank(a, e) <= rank(a, chosen));
  }
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  if (size == 0) return 0;
  EncodingSet offered = set_from_bits(data[0] & 7);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t nl = rest.find('\n');
  std::string first(rest.substr(0, nl));
  std::string second(nl == std::string_view::npos ? "" : rest.substr(nl + 1));

  FUZZ_CHECK(choose_encoding(nullptr, offered) == Encoding::kIdentity);
  check_choice(first, offered);
  check_choice(second, offered);

  // The chooser remembers the last header: switch headers and offers under it.
  EncodingChooser chooser;
  for (const std::string* h : {&first, &second, &first, &first}) {
    for (uint8_t bits = 0; bits < 8; bits++) {
      EncodingSet s = set_from_bits(bits);
      FUZZ_CHECK(chooser.choose(h, s) == choose_encoding(h, s));
    }
  }
  FUZZ_CHECK(chooser.choose(nullptr, offered) == Encoding::kIdentity);
  return 0;
}
