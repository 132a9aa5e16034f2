// A WebSocket route where every message from any client goes to every client
// of the route, in this worker and, through the peer bus, in all the others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <hearth/websocket.h>

namespace hearth {

class PeerBus;
class Worker;

class BroadcastGroup : public std::enable_shared_from_this<BroadcastGroup> {
 public:
  // `bus` may be null (a worker without a master): this worker only.
  BroadcastGroup(std::string topic, std::shared_ptr<PeerBus> bus);

  // The route to register; it keeps the group alive. Subscribes to the bus.
  WebSocketRoute route(size_t max_message_bytes);

  // Sends to every open client here and publishes to the other workers.
  void broadcast(std::string_view data, bool binary);
  // Sends to every open client of this worker only.
  void deliver_local(std::string_view data, bool binary);

  size_t local_clients() const { return members_.size(); }

 private:
  std::string topic_;
  std::shared_ptr<PeerBus> bus_;
  std::set<WebSocket*> members_;
};

// The worker's peer bus, started when the worker runs under a master (the
// status table lists its peers); null otherwise. Closed when the worker stops.
std::shared_ptr<PeerBus> start_worker_peer_bus(Worker& worker);

}  // namespace hearth
