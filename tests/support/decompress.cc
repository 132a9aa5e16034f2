#include "tests/support/decompress.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <cstring>

namespace hearth {
namespace test {

bool gunzip(const std::string& in, std::string* out) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  int rc = Z_OK;
  // Each round either consumes input or fills `buf`; bounded all the same.
  for (int i = 0; i < 1000000 && rc == Z_OK; i++) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out->append(buf, sizeof(buf) - zs.avail_out);
  }
  bool complete = rc == Z_STREAM_END && zs.avail_in == 0;
  inflateEnd(&zs);
  return complete;
}

bool unbrotli(const std::string& in, std::string* out) {
  BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (s == nullptr) return false;
  size_t avail_in = in.size();
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  for (int i = 0; i < 1000000 && rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT; i++) {
    uint8_t buf[16384];
    size_t avail_out = sizeof(buf);
    uint8_t* next_out = buf;
    rc = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out->append(reinterpret_cast<char*>(buf), sizeof(buf) - avail_out);
  }
  bool complete = rc == BROTLI_DECODER_RESULT_SUCCESS && avail_in == 0;
  BrotliDecoderDestroyInstance(s);
  return complete;
}

}  // namespace test
}  // namespace hearth
