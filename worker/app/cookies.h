// Reading the Cookie request header (RFC 6265 §5.4). Writing Set-Cookie is
// format_set_cookie() in <hearth/cookies.h>.
#pragma once

#include <string_view>

#include <hearth/request.h>

namespace hearth {

// "a=1; b=\"two\"" -> {a: "1", b: "two"}, added to *out; the first value of a
// name wins. Pairs without '=' are skipped, as browsers do.
void parse_cookie_header(std::string_view header, Params* out);

}  // namespace hearth
