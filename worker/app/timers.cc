#include <hearth/timer.h>

#include <uv.h>

#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "worker/app/reply_state.h"
#include "worker/app/timers.h"
#include "worker/worker.h"

namespace hearth {

// Owned by the registry from set_* until its handle is closed.
struct Timer::State {
  uv_timer_t handle;
  std::function<void()> callback;
  std::weak_ptr<ReplyState> context;  // the deferred request it was set for
  bool repeat = false;
  bool closing = false;
};

namespace {

std::unordered_map<Timer::State*, std::shared_ptr<Timer::State>> g_timers;

void close_cb(uv_handle_t* handle) noexcept {
  g_timers.erase(static_cast<Timer::State*>(handle->data));
}

// Stops it and lets go of its callback (and what that captured).
void retire(Timer::State* state) {
  if (state->closing) return;
  state->closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&state->handle), close_cb);
  std::function<void()> released = std::move(state->callback);
}

void fire_cb(uv_timer_t* handle) noexcept {
  auto* state = static_cast<Timer::State*>(handle->data);
  std::shared_ptr<Timer::State> keep = g_timers.at(state);  // the callback may cancel it
  if (state->repeat) {
    std::function<void()> callback = state->callback;  // it may cancel (and release) itself
    run_app_callback(state->context, "timer callback", callback);
    return;
  }
  std::function<void()> callback = std::move(state->callback);
  retire(state);
  run_app_callback(state->context, "timer callback", callback);
}

Timer start(std::chrono::milliseconds delay, bool repeat, std::function<void()> callback) {
  Worker* worker = Worker::current();
  if (worker == nullptr) throw std::logic_error("hearth timers run in a worker: set them in a handler or hook");
  auto state = std::make_shared<Timer::State>();
  state->callback = std::move(callback);
  state->context = ReplyContext::current();
  state->repeat = repeat;
  uv_timer_init(worker->loop(), &state->handle);
  state->handle.data = state.get();
  uint64_t ms = delay.count() > 0 ? static_cast<uint64_t>(delay.count()) : 0;
  if (repeat && ms == 0) ms = 1;
  uv_timer_start(&state->handle, fire_cb, ms, repeat ? ms : 0);
  g_timers.emplace(state.get(), state);
  return Timer(state);
}

}  // namespace

Timer set_timeout(std::chrono::milliseconds delay, std::function<void()> callback) {
  return start(delay, false, std::move(callback));
}

Timer set_interval(std::chrono::milliseconds period, std::function<void()> callback) {
  return start(period, true, std::move(callback));
}

void Timer::cancel() {
  if (std::shared_ptr<State> state = state_.lock()) retire(state.get());
}

bool Timer::active() const {
  std::shared_ptr<State> state = state_.lock();
  return state && !state->closing;
}

void cancel_all_timers() {
  std::vector<Timer::State*> all;
  for (auto& entry : g_timers) all.push_back(entry.first);
  for (Timer::State* state : all) retire(state);
}

}  // namespace hearth
