// detail::queue_offload (<hearth/offload.h>) on libuv's thread pool.
#include <hearth/offload.h>

#include <uv.h>

#include <stdexcept>

#include "worker/app/reply_state.h"
#include "worker/worker.h"

namespace hearth {

namespace {

struct Job {
  uv_work_t request;
  std::function<void()> work;
  std::function<void()> done;
  std::weak_ptr<ReplyState> context;  // the deferred request it was started for
};

void work_cb(uv_work_t* request) { static_cast<Job*>(request->data)->work(); }

// Back on the loop. (Nothing calls uv_cancel: every job runs.)
void after_work_cb(uv_work_t* request, int) {
  auto* job = static_cast<Job*>(request->data);
  run_app_callback(job->context, "offload done", job->done);
  delete job;
}

}  // namespace

namespace detail {

void queue_offload(std::function<void()> work, std::function<void()> done) {
  Worker* worker = Worker::current();
  if (worker == nullptr) throw std::logic_error("hearth::offload runs in a worker: call it in a handler or hook");
  auto* job = new Job{{}, std::move(work), std::move(done), ReplyContext::current()};
  job->request.data = job;
  int rc = uv_queue_work(worker->loop(), &job->request, work_cb, after_work_cb);
  if (rc != 0) {
    delete job;
    throw std::runtime_error(std::string("uv_queue_work: ") + uv_strerror(rc));
  }
}

}  // namespace detail

}  // namespace hearth
