// The master–worker frame decoder (ipc/frame.h) on a hostile byte stream.
// The stream is fed in one read, one byte per read, in chunks whose sizes
// come from the input, and in two pieces; the messages and the failure must
// be the same every time. Checks: the decoded messages, encoded again, are
// exactly the bytes they came from; the bytes held back are the incomplete
// tail and never more than one frame; a failed decoder stays failed; the
// payload decoders (counters, stop timeout) round-trip what they accept.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "ipc/frame.h"

namespace hearth {
namespace {

struct Outcome {
  std::vector<Message> messages;
  bool failed = false;
  std::string error;
  size_t pending = 0;
};

bool same(const Outcome& a, const Outcome& b) {
  if (a.failed != b.failed || a.error != b.error || a.messages.size() != b.messages.size()) return false;
  if (!a.failed && a.pending != b.pending) return false;
  for (size_t i = 0; i < a.messages.size(); i++) {
    if (a.messages[i].type != b.messages[i].type || a.messages[i].payload != b.messages[i].payload) return false;
  }
  return true;
}

Outcome decode(std::string_view input, fuzz::Split split) {
  FrameDecoder d;
  Outcome o;
  for (std::string_view c : fuzz::chunks(input, split)) {
    std::string error;
    bool ok = d.feed(c.data(), c.size(), &o.messages, &error);
    FUZZ_CHECK(ok == !d.failed());
    if (!ok) {
      FUZZ_CHECK(!error.empty());
      o.failed = true;
      o.error = error;
      break;
    }
    FUZZ_CHECK(d.pending_bytes() < 4 + kMaxFrameBody);
  }
  if (o.failed) {  // for good: even an empty read reports the error again
    std::vector<Message> none;
    std::string again;
    FUZZ_CHECK(!d.feed("", 0, &none, &again));
    FUZZ_CHECK(none.empty() && again == o.error);
  }
  o.pending = d.pending_bytes();
  return o;
}

void check_payload_decoders(const Message& m) {
  Counters c;
  if (decode_counters(m.payload, &c)) FUZZ_CHECK(encode_counters(c) == m.payload);
  uint64_t timeout = 0;
  if (decode_stop_timeout(m.payload, 1234, &timeout)) {
    FUZZ_CHECK(m.payload.empty() ? timeout == 1234 : encode_stop_timeout(timeout) == m.payload);
  }
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Outcome whole = decode(input, fuzz::Split::kWhole);

  std::string encoded;
  for (const Message& m : whole.messages) {
    FUZZ_CHECK(m.payload.size() < kMaxFrameBody);
    FUZZ_CHECK(std::string_view(message_type_name(m.type)) != "UNKNOWN");
    encoded += encode_frame(m.type, m.payload);
    check_payload_decoders(m);
  }
  FUZZ_CHECK(input.substr(0, encoded.size()) == encoded);
  if (!whole.failed) FUZZ_CHECK(whole.pending == size - encoded.size());

  for (fuzz::Split split : fuzz::kSplits) FUZZ_CHECK(same(decode(input, split), whole));
  return 0;
}
