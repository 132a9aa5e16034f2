// Blocking work off the loop: `work` runs on the worker's thread pool (a
// library call that waits on disk or a database), then `done` runs back on
// the loop with its outcome. The loop, and every other request, goes on
// meanwhile; app.threads (config, default 4) jobs of a worker run at once,
// the rest queue.
//
//   hearth::Reply reply = res.defer();
//   hearth::offload([] { return expensive_query(); },
//                   [reply](hearth::Outcome<Rows>& rows) mutable { reply.json(to_json(rows.get())); });
//
// Outcome::get() returns what `work` returned or rethrows what it threw; an
// exception escaping `done` answers the deferred request 500 (HttpError: its
// status), as a handler's would.
//
// What `work` may touch: its own captures and thread-safe libraries. Not
// the Request, Response, Reply, WebSocket, timers or anything else of
// hearth's: they belong to the loop thread. Give them to `done`. Both
// functions are destroyed on the loop thread.
//
// REQUIRES: called in a worker (a handler, a callback, on_worker_start).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace hearth {

template <typename T>
class Outcome {
 public:
  bool ok() const { return !error_; }
  std::exception_ptr error() const { return error_; }
  // What work returned; rethrows what it threw.
  T& get() {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }
  template <typename Work>
  void run(Work& work) {
    try {
      value_.emplace(work());
    } catch (...) {
      error_ = std::current_exception();
    }
  }

 private:
  std::optional<T> value_;
  std::exception_ptr error_;
};

template <>
class Outcome<void> {
 public:
  bool ok() const { return !error_; }
  std::exception_ptr error() const { return error_; }
  void get() {
    if (error_) std::rethrow_exception(error_);
  }
  template <typename Work>
  void run(Work& work) {
    try {
      work();
    } catch (...) {
      error_ = std::current_exception();
    }
  }

 private:
  std::exception_ptr error_;
};

namespace detail {
// Runs `work` on the pool, then `done` on the loop (see offload).
void queue_offload(std::function<void()> work, std::function<void()> done);
}  // namespace detail

template <typename Work, typename Done>
void offload(Work work, Done done) {
  using T = std::invoke_result_t<Work&>;
  auto outcome = std::make_shared<Outcome<T>>();
  detail::queue_offload([work = std::move(work), outcome]() mutable { outcome->run(work); },
                        [done = std::move(done), outcome]() mutable { done(*outcome); });
}

}  // namespace hearth
