#include "worker/websocket/demo_routes.h"

#include <unistd.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "worker/websocket/broadcast.h"
#include "worker/worker.h"

namespace hearth {

namespace {

// Chat lines are short; a smaller limit keeps one message times every
// client, in every worker, cheap.
constexpr size_t kChatMaxMessageBytes = 64 * 1024;

WebSocketRoute echo_route() {
  WebSocketRoute r;
  r.on_message = [](WebSocket& ws, std::string_view data, bool binary) { ws.send(data, binary); };
  return r;
}

WebSocketRoute chat_route(Worker& worker) {
  auto group = std::make_shared<BroadcastGroup>("/chat", start_worker_peer_bus(worker));
  WebSocketRoute r = group->route(kChatMaxMessageBytes);
  std::string hello = nlohmann::json{{"type", "hello"}, {"worker", worker.identity().slot}, {"pid", getpid()}}.dump();
  auto join = r.on_open;
  r.on_open = [join, hello](WebSocket& ws) {
    ws.send(hello);
    join(ws);
  };
  return r;
}

}  // namespace

void register_websocket_demo(Worker& worker) {
  Router& r = worker.router();
  r.websocket("/socket", echo_route());
  r.websocket("/chat", chat_route(worker));
}

}  // namespace hearth
