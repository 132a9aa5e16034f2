// The engine behind <hearth/broadcast.h>: this worker's channels and their
// local subscribers, relayed to the other workers over the peer bus
// (ipc/peer_bus.h). One registry per worker process, made on first use.
#pragma once

#include <hearth/websocket.h>

namespace hearth {

// Drops `ws` from every channel; the WebSocket engine calls it when a
// connection ends, so no channel keeps a pointer to a closed socket.
void forget_subscriptions(WebSocket& ws);

}  // namespace hearth
