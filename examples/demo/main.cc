// The demo app: what `make run` serves on :3000 beside the files of site/.
//   GET  /json          a JSON answer naming the worker that gave it
//   POST /echo          the request body back, with its size
//   GET  /hello/:name   {"hello": name}
//   WS   /socket        echoes every message, text or binary
//   WS   /chat          every message to every /chat client on every worker;
//                       on open: {"type":"hello","worker":<slot>,"pid":<pid>}
// Built on the public API only, like any app outside the tree.
#include <hearth/hearth.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

namespace {

// Chat lines are short; a smaller limit keeps one message times every
// client, in every worker, cheap.
constexpr size_t kChatMaxMessageBytes = 64 * 1024;

std::string iso8601_now() {
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

hearth::WebSocketRoute echo_route() {
  hearth::WebSocketRoute r;
  r.on_message = [](hearth::WebSocket& ws, std::string_view data, bool binary) { ws.send(data, binary); };
  return r;
}

hearth::WebSocketRoute chat_route() {
  hearth::WebSocketRoute greet;
  greet.max_message_bytes = kChatMaxMessageBytes;
  greet.on_open = [](hearth::WebSocket& ws) {
    const hearth::WorkerInfo& w = hearth::current_worker();
    ws.send(nlohmann::json{{"type", "hello"}, {"worker", w.slot}, {"pid", w.pid}}.dump());
  };
  return hearth::broadcast_route("/chat", greet);
}

// ?name=N within min..max; a bad value is a 400.
long int_param(const hearth::Request& req, std::string_view name, const char* fallback, long min, long max) {
  std::string text = req.query_param(name, fallback);
  char* end = nullptr;
  long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < min || n > max) {
    throw hearth::HttpError(400, std::string(name) + " must be " + std::to_string(min) + ".." + std::to_string(max));
  }
  return n;
}

std::chrono::milliseconds millis_param(const hearth::Request& req) {
  return std::chrono::milliseconds(int_param(req, "ms", "0", 0, 60000));
}

// The async routes: answer later on a timer, and after blocking work on the
// thread pool (a stand-in for a library call that waits).
void add_async_demo_routes(hearth::App& app) {
  app.get("/demo/wait", [](const hearth::Request& req, hearth::Response& res) {
    std::chrono::milliseconds ms = millis_param(req);
    hearth::set_timeout(ms, [reply = res.defer(), ms]() mutable { reply.json({{"waited_ms", ms.count()}}); });
  });
  app.get("/demo/work", [](const hearth::Request& req, hearth::Response& res) {
    std::chrono::milliseconds ms = millis_param(req);
    hearth::offload([ms] { std::this_thread::sleep_for(ms); },
                    [reply = res.defer(), ms](hearth::Outcome<void>& done) mutable {
                      done.get();
                      reply.json({{"worked_ms", ms.count()}});
                    });
  });
  // Server-Sent Events: ?n=N events, one every 100 ms, then the stream ends.
  app.get("/demo/events", [](const hearth::Request& req, hearth::Response& res) {
    long count = int_param(req, "n", "5", 0, 1000);
    hearth::Reply reply = res.defer();
    reply.start_events();
    auto sent = std::make_shared<long>(0);
    auto ticker = std::make_shared<hearth::Timer>();
    auto tick = [reply, sent, count, ticker]() mutable {
      if (reply.aborted() || *sent >= count) {
        reply.end();
        ticker->cancel();  // releases this callback, and the reply with it
        return;
      }
      ++*sent;
      reply.event(nlohmann::json{{"n", *sent}, {"of", count}}.dump(), "tick", std::to_string(*sent));
    };
    *ticker = hearth::set_interval(std::chrono::milliseconds(100), tick);
  });
}

}  // namespace

int main(int argc, char** argv) {
  hearth::App app;
  app.get("/json", [](const hearth::Request&, hearth::Response& res) {
    const hearth::WorkerInfo& w = hearth::current_worker();
    res.json({{"message", "Hello from hearth"}, {"pid", w.pid}, {"worker", w.slot}, {"time", iso8601_now()}});
  });
  // Echoes the request body (Content-Length or chunked) with its size.
  app.post("/echo", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"bytes", req.body.size()}, {"body", req.body}});
  });
  app.get("/hello/:name", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"hello", req.params.at("name")}});
  });
  add_async_demo_routes(app);
  app.websocket("/socket", echo_route());
  app.websocket("/chat", chat_route());
  return hearth::run(app, argc, argv);
}
