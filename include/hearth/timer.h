// Timers on the worker's loop, for handlers and the callbacks they start:
//
//   hearth::Reply reply = res.defer();
//   hearth::set_timeout(std::chrono::milliseconds(200), [reply]() mutable { reply.json({{"ok", true}}); });
//
//   hearth::Timer tick = hearth::set_interval(std::chrono::seconds(1), [] { hearth::publish("clock", "tick"); });
//   tick.cancel();
//
// Callbacks run on the loop thread, never in the middle of another
// callback. An exception escaping one is logged and, when the timer was set
// while a deferred request was being handled, answers that request 500 (or
// HttpError's status). A timer needs no handle to fire; its handle only
// cancels it. The worker cancels every timer when it stops: the callback
// never runs, and what it captured is released.
//
// REQUIRES: called in a worker (a handler, a callback, on_worker_start).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace hearth {

class Timer {
 public:
  struct State;  // the engine's (worker/app/timers.cc)

  Timer() = default;
  explicit Timer(std::weak_ptr<State> state) : state_(std::move(state)) {}

  // Stops it; its callback is released at once. Safe to call twice, after
  // it fired, or from its own callback.
  void cancel();
  // Will fire (again).
  bool active() const;

 private:
  std::weak_ptr<State> state_;
};

// Runs `callback` once, `delay` from now.
Timer set_timeout(std::chrono::milliseconds delay, std::function<void()> callback);
// Runs `callback` every `period` (at least 1 ms) until cancelled.
Timer set_interval(std::chrono::milliseconds period, std::function<void()> callback);

}  // namespace hearth
