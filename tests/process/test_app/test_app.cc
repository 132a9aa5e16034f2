// An app on the public API only, as a user writes one, built twice by the
// Makefile: with HEARTH_TEST_VERSION "v1" and "v2", as C++20 (coroutine
// handlers).
// - tests/process/upgrade_test.cc: a binary upgrade from one build to the
//   other must change what GET /version answers;
// - tests/process/app_api_test.cc: the request and response helpers, error
//   answers and the worker-start hook, through a real server;
// - tests/process/reply_test.cc: deferred replies, streams, coroutines.
// (In a folder of its own: tests/process/*.cc are linked into process_tests,
// and this has a main.)
#include <hearth/hearth.h>
#include <hearth/task.h>

#include <unistd.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef HEARTH_TEST_VERSION
#error "build with -DHEARTH_TEST_VERSION='\"v1\"'"
#endif

namespace {

// Counted by the on_worker_start hook: each worker must see exactly one run,
// in its own process (a hook run before the fork would show the master's pid).
int worker_starts = 0;
pid_t started_in = 0;

void add_request_helper_routes(hearth::App& app) {
  app.get("/api/query", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"limit", req.query_param("limit", "10")}, {"q", req.query_param("q")},
              {"has_page", req.find_query_param("page").has_value()}});
  });
  app.post("/api/form", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"email", req.form_param("email")}, {"fields", req.form().size()}});
  });
  app.post("/api/json", [](const hearth::Request& req, hearth::Response& res) {
    nlohmann::json body = req.json();
    res.json({{"name", body.value("name", "")}}, 201);
  });
  app.get("/api/cookie", [](const hearth::Request& req, hearth::Response& res) {
    hearth::CookieOptions options;
    options.path = "/";
    options.http_only = true;
    options.max_age = 3600;
    options.same_site = "Lax";
    res.set_cookie("seen", "yes", options);
    res.json({{"session", req.cookie("session").value_or("none")}});
  });
  app.get("/api/redirect", [](const hearth::Request&, hearth::Response& res) { res.redirect("/version", 303); });
  app.put("/api/item/:id", [](const hearth::Request& req, hearth::Response& res) {
    res.text("put " + req.params.at("id"));
  });
  app.patch("/api/item/:id", [](const hearth::Request& req, hearth::Response& res) {
    res.text("patch " + req.params.at("id"));
  });
  app.del("/api/item/:id", [](const hearth::Request& req, hearth::Response& res) {
    res.status = 204;
    (void)req;
  });
}

void add_error_routes(hearth::App& app) {
  app.get("/api/throw", [](const hearth::Request&, hearth::Response&) {
    throw std::runtime_error("a secret the client must not see");
  });
  app.get("/api/http-error", [](const hearth::Request&, hearth::Response&) {
    throw hearth::HttpError(422, "widget <b> is not valid");
  });
  // The header value comes from the client: a CR LF in it must not split the response.
  app.get("/api/header", [](const hearth::Request& req, hearth::Response& res) {
    res.set_header("X-Echo", req.query_param("value"));
    res.text("header set");
  });
}

// Deferred replies in every way they can end (tests/process/reply_test.cc).
std::vector<hearth::Reply> never_answered;  // held: only the deadline ends them
int aborted_replies = 0;

void add_deferred_routes(hearth::App& app) {
  app.get("/reply/now", [](const hearth::Request&, hearth::Response& res) { res.defer().text("sent in the handler"); });
  app.get("/reply/later", [](const hearth::Request& req, hearth::Response& res) {
    std::string tag = req.query_param("tag");
    hearth::set_timeout(std::chrono::milliseconds(std::stoi(req.query_param("ms", "50"))),
                        [reply = res.defer(), tag]() mutable { reply.text("later " + tag); });
  });
  app.get("/reply/never", [](const hearth::Request& req, hearth::Response& res) {
    hearth::Reply reply = res.defer(std::chrono::milliseconds(std::stoi(req.query_param("deadline_ms", "0"))));
    reply.on_abort([] { aborted_replies++; });
    never_answered.push_back(reply);
  });
  app.get("/reply/aborted", [](const hearth::Request&, hearth::Response& res) { res.json({{"aborted", aborted_replies}}); });
  app.get("/reply/drop", [](const hearth::Request&, hearth::Response& res) {
    hearth::set_timeout(std::chrono::milliseconds(20), [reply = res.defer()] { (void)reply; });
  });
  app.get("/reply/throw-later", [](const hearth::Request&, hearth::Response& res) {
    hearth::set_timeout(std::chrono::milliseconds(20), [reply = res.defer()] { throw std::runtime_error("late failure"); });
  });
  app.get("/reply/http-error-later", [](const hearth::Request&, hearth::Response& res) {
    hearth::offload([] { return 1; }, [reply = res.defer()](hearth::Outcome<int>&) {
      (void)reply;
      throw hearth::HttpError(409, "taken");
    });
  });
  app.get("/reply/offload-throws", [](const hearth::Request&, hearth::Response& res) {
    hearth::offload([]() -> int { throw std::runtime_error("work failed"); },
                    [reply = res.defer()](hearth::Outcome<int>& out) mutable {
                      reply.json({{"ok", out.ok()}});
                    });
  });
  // ?n=chunks&size=bytes: a streamed body that waits for on_writable.
  app.get("/reply/stream", [](const hearth::Request& req, hearth::Response& res) {
    struct Stream {
      hearth::Reply reply;
      int left;
      std::string chunk;
      void pump() {
        while (left > 0) {
          left--;
          if (!reply.write(chunk)) return;  // on_writable calls pump again
        }
        reply.end();
      }
    };
    auto stream = std::make_shared<Stream>(Stream{res.defer(), std::stoi(req.query_param("n", "3")),
                                                  std::string(std::stoul(req.query_param("size", "10")), 'x')});
    res.headers.set("Content-Type", "application/octet-stream");
    stream->reply.on_writable([stream] { stream->pump(); });
    hearth::set_timeout(std::chrono::milliseconds(1), [stream] { stream->pump(); });
  });
  app.get("/reply/events", [](const hearth::Request&, hearth::Response& res) {
    hearth::Reply reply = res.defer();
    reply.start_events();
    auto sent = std::make_shared<int>(0);
    auto timer = std::make_shared<hearth::Timer>();
    *timer = hearth::set_interval(std::chrono::milliseconds(20), [reply, sent, timer]() mutable {
      if (reply.aborted()) return timer->cancel();
      ++*sent;
      reply.event("tick " + std::to_string(*sent) + "\nline two", "tick", std::to_string(*sent));
      if (*sent == 3) {
        reply.end();
        timer->cancel();
      }
    });
  });
}

// A streamed body (App::streaming) of at most 1 MiB, counted as it comes;
// "X-Refuse: 1" refuses it before it is read.
void add_streaming_routes(hearth::App& app) {
  app.streaming("POST", "/upload/count", [](const hearth::Request& req, hearth::Response& res, hearth::RequestBody& body) {
    if (!req.header("X-Refuse").empty()) throw hearth::HttpError(403, "refused");
    struct Count {
      uint64_t bytes = 0;
      int pieces = 0;
    };
    auto count = std::make_shared<Count>();
    hearth::Reply reply = res.defer();
    reply.on_abort([] { aborted_replies++; });
    body.on_data = [count](std::string_view piece) {
      count->bytes += piece.size();
      count->pieces++;
    };
    body.on_end = [count, reply]() mutable { reply.json({{"bytes", count->bytes}, {"pieces", count->pieces}}); };
  }, 1 << 20);
}

// Coroutine handlers (C++20: this app is built with -std=c++20).
void add_coroutine_routes(hearth::App& app) {
  app.get("/co/wait", [](const hearth::Request& req, hearth::Response& res) -> hearth::Task {
    co_await hearth::sleep_for(std::chrono::milliseconds(std::stoi(req.query_param("ms", "50"))));
    int answer = co_await hearth::offloaded([] { return 6 * 7; });
    res.json({{"answer", answer}, {"path", req.path}});
  });
  app.get("/co/sync", [](const hearth::Request&, hearth::Response& res) -> hearth::Task {
    res.text("no wait");
    co_return;
  });
  app.get("/co/throw", [](const hearth::Request&, hearth::Response&) -> hearth::Task {
    co_await hearth::sleep_for(std::chrono::milliseconds(10));
    throw hearth::HttpError(422, "bad after a wait");
  });
  app.get("/co/offload-throws", [](const hearth::Request&, hearth::Response& res) -> hearth::Task {
    try {
      co_await hearth::offloaded([]() -> int { throw std::runtime_error("work failed"); });
    } catch (const std::runtime_error& e) {
      res.text(std::string("caught ") + e.what());
    }
  });
  app.get("/co/never", [](const hearth::Request&, hearth::Response&) -> hearth::Task {
    co_await hearth::sleep_for(std::chrono::hours(1));
  });
}

}  // namespace

int main(int argc, char** argv) {
  hearth::App app;
  app.get("/version", [](const hearth::Request&, hearth::Response& res) { res.text(HEARTH_TEST_VERSION); });
  app.on_worker_start([](const hearth::WorkerInfo&) {
    worker_starts++;
    started_in = getpid();
  });
  app.get("/api/worker", [](const hearth::Request&, hearth::Response& res) {
    res.json({{"starts", worker_starts}, {"hook_pid", started_in}, {"pid", hearth::current_worker().pid}});
  });
  add_request_helper_routes(app);
  add_error_routes(app);
  add_deferred_routes(app);
  add_coroutine_routes(app);
  add_streaming_routes(app);
  return hearth::run(app, argc, argv);
}
