// The demo app: what `make run` serves on :3000 beside the files of site/.
//   GET  /json          a JSON answer naming the worker that gave it
//   POST /echo          the request body back, with its size
//   GET  /hello/:name   {"hello": name}
//   WS   /socket        echoes every message, text or binary
//   WS   /chat          every message to every /chat client on every worker;
//                       on open: {"type":"hello","worker":<slot>,"pid":<pid>}
// Built on the public API only, like any app outside the tree.
#include <hearth/hearth.h>

#include <ctime>
#include <string>

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
  app.websocket("/socket", echo_route());
  app.websocket("/chat", chat_route());
  return hearth::run(app, argc, argv);
}
