// Decoders for tests: turn a compressed response body back into the bytes
// it claims to encode. Each returns false unless `in` is one complete,
// valid stream (a truncated body fails).
#pragma once

#include <string>

namespace hearth {
namespace test {

bool gunzip(const std::string& in, std::string* out);
bool unbrotli(const std::string& in, std::string* out);

}  // namespace test
}  // namespace hearth
