// The HTTP request parser must not care how the bytes were cut into reads.
// The input is parsed in one read, then again one byte per read, in chunks
// whose sizes come from the input's bytes, and in two pieces; the outcome
// (error status, each request's method, target, version, headers, body,
// keep-alive and upgrade, the bytes left after an upgrade, and the state the
// parser ends in) must be the same every time. The reads are driven the way
// worker/connection.cc drives them.
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "worker/http/request_parser.h"

namespace hearth {
namespace {

struct ParsedRequest {
  std::string method, target, path, query;
  int http_major = 0, http_minor = 0;
  std::vector<Headers::Field> headers;
  std::string body;
  bool keep_alive = false;
  bool upgrade = false;

  bool operator==(const ParsedRequest& o) const {
    return method == o.method && target == o.target && path == o.path && query == o.query &&
           http_major == o.http_major && http_minor == o.http_minor && headers == o.headers &&
           body == o.body && keep_alive == o.keep_alive && upgrade == o.upgrade;
  }
};

struct Outcome {
  int error_status = 0;
  std::vector<ParsedRequest> requests;
  bool stopped = false;        // error, upgrade or no keep-alive: the connection reads no more
  bool dropped_bytes = false;  // feed() took nothing and had nothing to say
  std::string after_upgrade;
  bool idle = false, reading_head = false, reading_body = false;

  bool operator==(const Outcome& o) const {
    return error_status == o.error_status && requests == o.requests && stopped == o.stopped &&
           dropped_bytes == o.dropped_bytes && after_upgrade == o.after_upgrade && idle == o.idle &&
           reading_head == o.reading_head && reading_body == o.reading_body;
  }
};

// Small limits, so that short inputs reach 414, 431 and 413 too.
Limits fuzz_limits() {
  Limits l;
  l.request_line_bytes = 200;
  l.header_bytes = 600;
  l.body_bytes = 1000;
  return l;
}

ParsedRequest record(const Request& r, bool keep_alive, bool upgrade) {
  ParsedRequest p;
  p.method = r.method;
  p.target = r.target;
  p.path = r.path;
  p.query = r.query;
  p.http_major = r.http_major;
  p.http_minor = r.http_minor;
  p.headers = r.headers.fields();
  p.body = r.body;
  p.keep_alive = keep_alive;
  p.upgrade = upgrade;
  return p;
}

// One read, as Connection::process_input handles it. Returns false once the
// connection would stop reading.
bool read(RequestParser& parser, Request& reused, bool reuse, std::string_view data,
          const std::vector<std::string_view>& later, Outcome* o) {
  size_t off = 0;
  while (off < data.size()) {
    size_t used = parser.feed(data.data() + off, data.size() - off);
    FUZZ_CHECK(used <= data.size() - off);
    off += used;
    if (parser.error_status() != 0) {
      FUZZ_CHECK(parser.error_status() >= 400 && parser.error_status() <= 599);
      o->error_status = parser.error_status();
      return false;
    }
    if (parser.wants_continue()) parser.continue_sent();
    if (!parser.message_ready()) {
      if (used == 0) o->dropped_bytes = true;  // Connection drops the rest of the read
      return true;
    }
    bool keep_alive = parser.keep_alive();
    Request fresh;
    Request& req = reuse ? reused : fresh;  // both ways of taking a request
    if (reuse) parser.take_request(&req); else req = parser.take_request();
    bool upgrade = parser.upgrade();  // read after take, as Connection does
    o->requests.push_back(record(req, keep_alive, upgrade));
    if (upgrade) {
      o->after_upgrade.assign(data.substr(off));
      for (std::string_view c : later) o->after_upgrade.append(c);
      return false;
    }
    if (!keep_alive) return false;
  }
  return true;
}

Outcome parse(std::string_view input, fuzz::Split split) {
  std::vector<std::string_view> reads = fuzz::chunks(input, split);
  RequestParser parser(fuzz_limits());
  Request reused;
  Outcome o;
  bool reuse = split != fuzz::Split::kWhole;
  for (size_t i = 0; i < reads.size(); i++) {
    std::vector<std::string_view> later(reads.begin() + i + 1, reads.end());
    if (!read(parser, reused, reuse, reads[i], later, &o)) {
      o.stopped = true;
      return o;
    }
  }
  o.idle = parser.idle();
  o.reading_head = parser.reading_head();
  o.reading_body = parser.reading_body();
  return o;
}

std::string describe(const Outcome& o) {
  std::ostringstream s;
  s << "error " << o.error_status << ", " << o.requests.size() << " requests, stopped " << o.stopped
    << ", dropped " << o.dropped_bytes << ", after upgrade " << o.after_upgrade.size() << " bytes, idle "
    << o.idle << " head " << o.reading_head << " body " << o.reading_body << "\n";
  for (const ParsedRequest& r : o.requests) {
    s << "  " << r.method << " " << r.target << " HTTP/" << r.http_major << "." << r.http_minor << " ka "
      << r.keep_alive << " up " << r.upgrade << " body " << r.body.size() << " bytes, " << r.headers.size()
      << " headers:";
    for (const auto& h : r.headers) s << " [" << h.first << ": " << h.second << "]";
    s << "\n";
  }
  return s.str();
}

const char* split_name(fuzz::Split split) {
  switch (split) {
    case fuzz::Split::kWhole: return "whole";
    case fuzz::Split::kBytes: return "one byte per read";
    case fuzz::Split::kFromInput: return "chunks from the input";
    case fuzz::Split::kTwoPieces: return "two pieces";
  }
  return "?";
}

}  // namespace
}  // namespace hearth

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Outcome whole = parse(input, fuzz::Split::kWhole);
  for (fuzz::Split split : fuzz::kSplits) {
    Outcome cut = parse(input, split);
    if (!(cut == whole)) {
      std::fprintf(stderr, "request parsed differently when cut (%s):\nwhole: %scut:   %s", split_name(split),
                   describe(whole).c_str(), describe(cut).c_str());
      __builtin_trap();
    }
  }
  return 0;
}
