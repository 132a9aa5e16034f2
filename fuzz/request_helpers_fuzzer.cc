// The request helpers that read what a client wrote: form and query decoding
// (worker/app/url_encoded.h) and the Cookie header (worker/app/cookies.h),
// plus format_set_cookie, whose output must read back as what went in.
// Invariants: no pair invented beyond the separators given; cookie names are
// non-empty and neither names nor values carry ';'; a Set-Cookie line that
// formats at all parses back to {name: value}.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>

#include <hearth/cookies.h>

#include "fuzz/fuzz_util.h"
#include "worker/app/cookies.h"
#include "worker/app/url_encoded.h"

namespace hearth {
namespace {

void check_url_encoded(std::string_view text) {
  Params params = parse_url_encoded(text);
  FUZZ_CHECK(params.size() <= static_cast<size_t>(std::count(text.begin(), text.end(), '&')) + 1);
  for (const auto& [name, value] : params) {
    FUZZ_CHECK(name.size() + value.size() <= text.size());
  }
  if (text.find_first_of("%+") == std::string_view::npos) FUZZ_CHECK(decode_form_component(text) == text);
}

void check_cookie_header(std::string_view header) {
  Params cookies;
  parse_cookie_header(header, &cookies);
  for (const auto& [name, value] : cookies) {
    FUZZ_CHECK(!name.empty());
    FUZZ_CHECK(name.find(';') == std::string::npos && value.find(';') == std::string::npos);
  }
}

// The input split at its first NUL: name, then value.
void check_set_cookie_round_trip(std::string_view input) {
  size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return;
  std::string_view name = input.substr(0, nul), value = input.substr(nul + 1);
  std::string line;
  try {
    line = format_set_cookie(name, value, CookieOptions{});
  } catch (const std::invalid_argument&) {
    return;
  }
  Params back;
  parse_cookie_header(line, &back);
  auto it = back.find(name);
  FUZZ_CHECK(it != back.end());
  FUZZ_CHECK(it->second == value);
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  hearth::check_url_encoded(input);
  hearth::check_cookie_header(input);
  hearth::check_set_cookie_round_trip(input);
  return 0;
}
