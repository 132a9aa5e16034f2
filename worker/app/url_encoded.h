// application/x-www-form-urlencoded (WHATWG URL §5.1): the format of query
// strings and of HTML form bodies.
#pragma once

#include <string>
#include <string_view>

#include <hearth/request.h>

namespace hearth {

// "a=1&b=x+y&c=%41" -> {a: "1", b: "x y", c: "A"}. A bad %-escape is kept
// as written; empty pairs are skipped; a name without '=' gets "". The first
// value of a repeated name wins.
Params parse_url_encoded(std::string_view text);

// '+' -> ' ' and %XX -> the byte; anything else as written.
std::string decode_form_component(std::string_view text);

}  // namespace hearth
