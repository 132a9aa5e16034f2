// Turning a request-target's path into a safe, canonical file-system path.
#pragma once

#include <string>
#include <string_view>

namespace hearth {

// Decodes and normalises the path of a request-target (the part before '?'):
// percent-decodes (%2F becomes '/', %2e '.'), collapses "//" and "/./", resolves "..".
// Decoding happens before resolution, so encoded dots and slashes cannot sneak a ".." past it.
// Returns false for: a path not starting with '/', a bad %-escape (%4, %zz), a NUL byte (raw or
// decoded), or any ".." that would climb above "/" (also when encoded: /%2e%2e/, /..%2f..%2fetc).
// Keeps a trailing slash ("/a/b/" -> "/a/b/", "/a/." -> "/a/", "/a/b/.." -> "/a/"); "/" stays "/".
// '+' and '\' are ordinary bytes; bytes >= 0x80 are copied as they are (no UTF-8 validation).
// *out is overwritten; its content is unspecified when false is returned.
bool normalize_path(std::string_view raw_path, std::string* out);

// True when any segment starts with '.' (".git", ".env", ".htpasswd"), except a path under
// "/.well-known/" (RFC 8615), whose later segments are checked normally. "/.well-known" itself is
// allowed too. Expects the output of normalize_path.
bool has_hidden_segment(std::string_view normalized_path);

// The inverse of the decoding, for a URL the server writes (a Location):
// percent-encodes every byte that may not stand as it is in a path
// (RFC 3986 §3.3: anything but unreserved, sub-delims, ':', '@' and '/'),
// so '%', '?', '#', '\', space, control and non-ASCII bytes come out as %XX.
std::string encode_path(std::string_view path);

}  // namespace hearth
