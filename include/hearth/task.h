// Coroutine handlers (C++20): a handler that returns hearth::Task may
// co_await a timer or an offloaded job; the response is sent when it
// co_returns (or falls off the end). Nothing blocks the loop meanwhile.
//
//   app.get("/report", [](const hearth::Request& req, hearth::Response& res) -> hearth::Task {
//     co_await hearth::sleep_for(std::chrono::milliseconds(50));
//     Rows rows = co_await hearth::offloaded([] { return expensive_query(); });
//     res.json(to_json(rows));
//   });
//
// Such a handler is deferred (<hearth/reply.h>) from the start: `req` and
// `res` stay valid until it ends, the reply deadline (504) applies, and an
// exception escaping it answers 500 (HttpError: its status). A coroutine
// whose wait is cancelled (the worker stops) is destroyed, its locals too.
// Only handlers are coroutines here: a Task cannot be co_awaited.
//
// Needs -std=c++20; apps on C++17 use Reply with callbacks instead.
#pragma once

#if __cplusplus < 202002L
#error "<hearth/task.h> needs C++20 (-std=c++20); on C++17 use Reply, set_timeout and offload"
#endif

#include <chrono>
#include <coroutine>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include <hearth/app.h>
#include <hearth/offload.h>
#include <hearth/reply.h>
#include <hearth/timer.h>

namespace hearth {

namespace detail {

// The callback that resumes a suspended coroutine. Dropped without being
// run (its timer cancelled), it destroys the coroutine instead.
class Resumer {
 public:
  explicit Resumer(std::coroutine_handle<> handle) : token_(std::make_shared<Token>(handle)) {}
  void operator()() const { token_->resume(); }

 private:
  struct Token {
    explicit Token(std::coroutine_handle<> h) : handle(h) {}
    ~Token() {
      if (!resumed) handle.destroy();
    }
    void resume() {
      resumed = true;
      handle.resume();
    }
    std::coroutine_handle<> handle;
    bool resumed = false;
  };
  std::shared_ptr<Token> token_;
};

}  // namespace detail

class Task {
 public:
  struct promise_type {
    Reply reply;
    std::exception_ptr error;

    Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    // Answers the reply, then frees the frame.
    struct Final {
      bool await_ready() noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> handle) noexcept {
        promise_type& p = handle.promise();
        detail::finish_reply(p.reply, p.error);
        handle.destroy();
      }
      void await_resume() noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { error = std::current_exception(); }
  };

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  // Runs the coroutine up to its first wait; it answers `reply` when it ends.
  void start(Reply reply) && {
    std::coroutine_handle<promise_type> handle = std::exchange(handle_, {});
    handle.promise().reply = std::move(reply);
    handle.resume();
  }

 private:
  explicit Task(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

// How App registers a handler returning Task (see HandlerAdapter in app.h).
template <>
struct HandlerAdapter<Task> {
  template <typename F>
  static Handler adapt(F handler) {
    return [handler = std::move(handler)](const Request& req, Response& res) {
      Reply reply = res.defer();
      handler(req, res).start(std::move(reply));
    };
  }
};

// co_await sleep_for(d): resumes on the loop after `d`.
inline auto sleep_for(std::chrono::milliseconds delay) {
  struct Awaiter {
    std::chrono::milliseconds delay;
    bool await_ready() const noexcept { return delay.count() <= 0; }
    void await_suspend(std::coroutine_handle<> handle) { set_timeout(delay, detail::Resumer(handle)); }
    void await_resume() const noexcept {}
  };
  return Awaiter{delay};
}

// co_await offloaded(work): runs `work` on the thread pool (see offload.h
// for what it may touch); the value is what it returned, or its exception
// is rethrown in the coroutine.
template <typename Work>
auto offloaded(Work work) {
  using T = std::invoke_result_t<Work&>;
  struct Awaiter {
    Work work;
    std::shared_ptr<Outcome<T>> outcome = std::make_shared<Outcome<T>>();
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> handle) {
      offload(std::move(work), [outcome = outcome, resume = detail::Resumer(handle)](Outcome<T>& done) {
        *outcome = std::move(done);
        resume();
      });
    }
    T await_resume() {
      if constexpr (std::is_void_v<T>) {
        outcome->get();
      } else {
        return std::move(outcome->get());
      }
    }
  };
  return Awaiter{std::move(work)};
}

}  // namespace hearth
