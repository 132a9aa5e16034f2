// Bytes of output a connection has queued but the socket has not taken yet,
// against a fixed limit. A client that stops reading makes `pending` grow;
// the session refuses to queue past the limit and closes instead, so one slow
// client cannot grow the worker's memory. One message always fits when
// nothing is pending, so the bound is limit + one message (at most the
// maximum message size when echoing).
#pragma once

#include <cstddef>

namespace hearth {

class SendBudget {
 public:
  explicit SendBudget(size_t limit) : limit_(limit) {}

  // True when `n` more bytes can be queued: nothing is pending, or they stay
  // within the limit.
  bool fits(size_t n) const { return pending_ == 0 || (n <= limit_ && pending_ <= limit_ - n); }
  void queued(size_t n) { pending_ += n; }
  // `n` bytes reached the socket (a write completed).
  void written(size_t n) { pending_ = n > pending_ ? 0 : pending_ - n; }

  size_t pending() const { return pending_; }
  size_t limit() const { return limit_; }

 private:
  size_t limit_;
  size_t pending_ = 0;
};

}  // namespace hearth
