#include "worker/websocket/broadcast.h"

#include <unistd.h>

#include <algorithm>
#include <vector>

#include "ipc/peer_bus.h"
#include "shared/logging.h"
#include "shared/status_table.h"
#include "worker/worker.h"

namespace hearth {

BroadcastGroup::BroadcastGroup(std::string topic, std::shared_ptr<PeerBus> bus)
    : topic_(std::move(topic)), bus_(std::move(bus)) {}

WebSocketRoute BroadcastGroup::route(size_t max_message_bytes) {
  std::shared_ptr<BroadcastGroup> self = shared_from_this();
  if (bus_) {
    std::weak_ptr<BroadcastGroup> weak = self;
    bus_->subscribe(topic_, [weak](std::string_view payload, bool binary) {
      if (auto group = weak.lock()) group->deliver_local(payload, binary);
    });
  }
  WebSocketRoute r;
  r.max_message_bytes = max_message_bytes;
  r.on_open = [self](WebSocket& ws) { self->members_.insert(&ws); };
  r.on_close = [self](WebSocket& ws, uint16_t, std::string_view) { self->members_.erase(&ws); };
  r.on_message = [self](WebSocket&, std::string_view data, bool binary) { self->broadcast(data, binary); };
  return r;
}

void BroadcastGroup::broadcast(std::string_view data, bool binary) {
  deliver_local(data, binary);
  if (bus_) bus_->publish(topic_, data, binary);
}

void BroadcastGroup::deliver_local(std::string_view data, bool binary) {
  // A send can close its socket (send buffer full), which leaves the set:
  // walk a copy. Sockets stay valid until the loop's next close callbacks.
  std::vector<WebSocket*> members(members_.begin(), members_.end());
  for (WebSocket* ws : members) {
    if (members_.count(ws) != 0) ws->send(data, binary);
  }
}

namespace {

// The other live workers of this master, from the shared status table.
std::vector<int64_t> live_worker_pids(const StatusTable* table) {
  std::vector<int64_t> pids;
  int slots = std::min(table->master().workers, StatusTable::kMaxSlots);
  for (int slot = 1; slot <= slots; slot++) {
    pid_t pid = table->slot(slot).pid;
    if (pid > 0 && pid != getpid()) pids.push_back(pid);
  }
  return pids;
}

}  // namespace

std::shared_ptr<PeerBus> start_worker_peer_bus(Worker& worker) {
  const StatusTable* table = process_status_table();
  if (table == nullptr) return nullptr;
  pid_t master = table->master().pid > 0 ? table->master().pid : getppid();
  auto bus = std::make_shared<PeerBus>(worker.loop(), std::to_string(master), getpid(),
                                       [table] { return live_worker_pids(table); });
  std::string error;
  if (!bus->start(&error)) {
    spdlog::warn("worker {}: {}; WebSocket broadcast stays within this worker", worker.identity().slot, error);
    return nullptr;
  }
  worker.on_stop([bus] { bus->close(); });
  return bus;
}

}  // namespace hearth
