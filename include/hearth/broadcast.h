// Channels: every WebSocket client subscribed to a channel receives each
// message published on it, from any worker of this server (the workers
// relay to each other; the master is not on the path).
//
//   app.websocket("/chat", hearth::broadcast_route("chat"));   // a chat room
//   app.post("/announce", [](const hearth::Request& req, hearth::Response& res) {
//     hearth::publish("chat", req.body);
//     res.status = 204;
//   });
//
// Call these on the worker's loop: from handlers, WebSocket callbacks and
// timers, never from another thread. A slow client does not slow the others:
// one whose send buffer fills is closed with 1008 (see <hearth/websocket.h>).
// Messages to other workers are best effort: a worker that is restarting
// misses them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <hearth/websocket.h>

namespace hearth {

// Subscribes `ws` to `channel` until it closes or unsubscribes.
void subscribe(WebSocket& ws, const std::string& channel);
void unsubscribe(WebSocket& ws, const std::string& channel);

// Sends `data` to every subscriber of `channel` in every worker. Returns the
// number of subscribers in this worker it was sent to.
size_t publish(const std::string& channel, std::string_view data, bool binary = false);

// A route whose clients are subscribed to `channel` and whose messages are
// published on it. `extra`'s callbacks run as well: on_open after the client
// joined, on_close after it left; if `extra.on_message` is set it replaces
// the publishing (call publish() from it to relay).
WebSocketRoute broadcast_route(const std::string& channel, WebSocketRoute extra = {});

}  // namespace hearth
