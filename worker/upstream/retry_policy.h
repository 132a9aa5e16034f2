// When a failed attempt at the upstream may be made again (docs/UPSTREAM.md,
// "Retries"): only when the app cannot have acted on the request, or the
// request is idempotent, and in both cases only while the client has seen
// nothing of a response and hearth still holds the whole body.
#pragma once

#include <cstdint>
#include <string_view>

namespace hearth {

enum class AttemptFailure {
  kConnectFailed,         // refused, unreachable: the app never saw it
  kConnectTimedOut,       // no connection in connect_timeout: never saw it either
  kNotDelivered,          // a reused connection failed while hearth was still writing the request
  kClosedBeforeResponse,  // closed or reset after the request went out, before a response
  kBadResponse,           // an answer that is not HTTP
  kTimedOut,              // no response head in first_byte_timeout (not retried: the app is slow)
};

// What the server's failure says about the server: refused, reset, or
// unreachable ones are taken out of the rotation for a while.
bool marks_server_down(AttemptFailure failure);

// GET, HEAD, OPTIONS, PUT, DELETE, TRACE (RFC 9110 §9.2.2).
bool is_idempotent(std::string_view method);

struct AttemptHistory {
  int attempts = 0;              // made so far, this one included
  int max_tries = 3;             // upstream.tries
  uint64_t elapsed_ms = 0;       // since the first attempt began
  uint64_t retry_timeout_ms = 10000;
  bool response_started = false; // a byte of the response reached the client
  bool body_replayable = true;   // hearth still holds every byte of the body it sent
};

bool may_retry(AttemptFailure failure, std::string_view method, const AttemptHistory& history);

// "connect: connection refused" — for the log line of a failed attempt.
const char* describe_failure(AttemptFailure failure);

}  // namespace hearth
