#include "worker/upstream/retry_policy.h"

#include <hearth/headers.h>

namespace hearth {

bool marks_server_down(AttemptFailure failure) {
  return failure == AttemptFailure::kConnectFailed || failure == AttemptFailure::kConnectTimedOut;
}

bool is_idempotent(std::string_view method) {
  for (std::string_view safe : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}) {
    if (method == safe) return true;
  }
  return false;
}

bool may_retry(AttemptFailure failure, std::string_view method, const AttemptHistory& history) {
  if (history.response_started || !history.body_replayable) return false;
  if (history.attempts >= history.max_tries || history.elapsed_ms >= history.retry_timeout_ms) return false;
  switch (failure) {
    case AttemptFailure::kConnectFailed:
    case AttemptFailure::kConnectTimedOut:
    case AttemptFailure::kNotDelivered:
      return true;  // the app never saw it: any method
    case AttemptFailure::kClosedBeforeResponse:
    case AttemptFailure::kBadResponse:
      return is_idempotent(method);
    case AttemptFailure::kTimedOut:
      return false;
  }
  return false;
}

const char* describe_failure(AttemptFailure failure) {
  switch (failure) {
    case AttemptFailure::kConnectFailed: return "connect failed";
    case AttemptFailure::kConnectTimedOut: return "connect timed out";
    case AttemptFailure::kNotDelivered: return "connection closed while sending the request";
    case AttemptFailure::kClosedBeforeResponse: return "closed before the response";
    case AttemptFailure::kBadResponse: return "invalid response";
    case AttemptFailure::kTimedOut: return "no response in time";
  }
  return "failed";
}

}  // namespace hearth
