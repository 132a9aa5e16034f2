// UpstreamResponseParser (worker/upstream/response_parser.h), what an
// upstream server answers, read whole and in every kind of split: the same
// verdict (failed, complete, head seen), the same interim statuses, head,
// body and bytes used, whatever the reads. The first input byte says
// whether the request was HEAD; EOF is delivered at the end (finish()).
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "worker/upstream/response_parser.h"

namespace hearth {
namespace {

struct Outcome : UpstreamResponseParser::Events {
  std::vector<int> interim;
  int status = 0;
  size_t fields = 0;
  bool has_length = false;
  uint64_t length = 0;
  std::string body;
  size_t used = 0;
  bool failed = false, complete = false, head_seen = false, finished = false;

  void on_interim(const UpstreamHead& h) override { interim.push_back(h.status); }
  void on_head(const UpstreamHead& h) override {
    FUZZ_CHECK(status == 0);  // one final head
    status = h.status;
    fields = h.headers.fields().size();
    has_length = h.has_length;
    length = h.length;
  }
  void on_body(std::string_view piece) override { body.append(piece); }
  void on_complete() override { FUZZ_CHECK(!complete); }
};

Outcome run(std::string_view wire, bool head_request, const std::vector<size_t>& sizes) {
  Outcome out;
  UpstreamResponseParser parser(4096);
  parser.start(head_request, &out);
  size_t at = 0;
  for (size_t n : sizes) {
    size_t got = parser.feed(wire.data() + at, n);
    FUZZ_CHECK(got <= n);
    out.used += got;
    at += n;
    if (got < n || parser.complete() || parser.failed()) break;
  }
  out.failed = parser.failed();
  out.head_seen = parser.head_seen();
  if (!out.failed && out.status != 101) out.finished = parser.finish();
  out.complete = parser.complete();
  if (out.has_length && out.complete && !head_request && out.status >= 200 && out.status != 204 && out.status != 304) {
    FUZZ_CHECK(out.body.size() == out.length);
  }
  return out;
}

void same(const Outcome& a, const Outcome& b) {
  FUZZ_CHECK(a.failed == b.failed);
  if (a.failed) return;  // where parsing stopped may differ by split
  FUZZ_CHECK(a.interim == b.interim);
  FUZZ_CHECK(a.status == b.status);
  FUZZ_CHECK(a.fields == b.fields);
  FUZZ_CHECK(a.body == b.body);
  FUZZ_CHECK(a.complete == b.complete);
  FUZZ_CHECK(a.head_seen == b.head_seen);
  FUZZ_CHECK(a.used == b.used);
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  bool head_request = (data[0] & 1) != 0;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<size_t> whole = hearth::fuzz::chunk_sizes(wire, hearth::fuzz::Split::kWhole);
  hearth::Outcome reference = hearth::run(wire, head_request, whole);
  for (hearth::fuzz::Split split : hearth::fuzz::kSplits) {
    hearth::same(reference, hearth::run(wire, head_request, hearth::fuzz::chunk_sizes(wire, split)));
  }
  return 0;
}
