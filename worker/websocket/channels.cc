#include "worker/websocket/channels.h"

#include <hearth/broadcast.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "ipc/peer_bus.h"
#include "shared/logging.h"
#include "shared/status_table.h"
#include "worker/worker.h"

namespace hearth {

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

// The worker's peer bus when it runs under a master; null otherwise (then
// channels stay within this process).
std::shared_ptr<PeerBus> start_peer_bus(Worker& worker) {
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
  return bus;
}

class Channels {
 public:
  explicit Channels(Worker& worker) : bus_(start_peer_bus(worker)) {}

  void close() {
    if (bus_) bus_->close();
    bus_.reset();
    members_.clear();
  }

  void subscribe(WebSocket& ws, const std::string& channel) {
    auto it = members_.find(channel);
    if (it == members_.end()) it = open_channel(channel);
    it->second.insert(&ws);
  }

  void unsubscribe(WebSocket& ws, const std::string& channel) {
    auto it = members_.find(channel);
    if (it != members_.end()) it->second.erase(&ws);
  }

  void forget(WebSocket& ws) {
    for (auto& entry : members_) entry.second.erase(&ws);
  }

  size_t publish(const std::string& channel, std::string_view data, bool binary) {
    if (bus_) bus_->publish(channel, data, binary);
    return deliver_local(channel, data, binary);
  }

 private:
  using Members = std::set<WebSocket*>;

  // A channel is relayed from peers once it has had a subscriber here.
  std::map<std::string, Members>::iterator open_channel(const std::string& channel) {
    if (bus_) {
      bus_->subscribe(channel, [this, channel](std::string_view payload, bool binary) {
        deliver_local(channel, payload, binary);
      });
    }
    return members_.emplace(channel, Members()).first;
  }

  size_t deliver_local(const std::string& channel, std::string_view data, bool binary) {
    auto it = members_.find(channel);
    if (it == members_.end()) return 0;
    // A send can close its socket (send buffer full), which then leaves the
    // set: walk a copy. Sockets stay valid until the loop's close callbacks.
    std::vector<WebSocket*> sockets(it->second.begin(), it->second.end());
    size_t sent = 0;
    for (WebSocket* ws : sockets) {
      if (it->second.count(ws) != 0 && ws->send(data, binary)) sent++;
    }
    return sent;
  }

  std::shared_ptr<PeerBus> bus_;
  std::map<std::string, Members> members_;
};

Channels* g_channels = nullptr;

// This worker's channels, made (and their bus started) on first use.
Channels* channels() {
  if (g_channels != nullptr) return g_channels;
  Worker* worker = Worker::current();
  if (worker == nullptr) return nullptr;
  g_channels = new Channels(*worker);
  worker->on_stop([] {
    g_channels->close();
    delete g_channels;
    g_channels = nullptr;
  });
  return g_channels;
}

}  // namespace

void subscribe(WebSocket& ws, const std::string& channel) {
  if (Channels* c = channels()) c->subscribe(ws, channel);
}

void unsubscribe(WebSocket& ws, const std::string& channel) {
  if (g_channels != nullptr) g_channels->unsubscribe(ws, channel);
}

void forget_subscriptions(WebSocket& ws) {
  if (g_channels != nullptr) g_channels->forget(ws);
}

size_t publish(const std::string& channel, std::string_view data, bool binary) {
  Channels* c = channels();
  return c == nullptr ? 0 : c->publish(channel, data, binary);
}

WebSocketRoute broadcast_route(const std::string& channel, WebSocketRoute extra) {
  WebSocketRoute r = extra;
  r.on_open = [channel, open = extra.on_open](WebSocket& ws) {
    subscribe(ws, channel);
    if (open) open(ws);
  };
  r.on_close = [channel, close = extra.on_close](WebSocket& ws, uint16_t code, std::string_view reason) {
    unsubscribe(ws, channel);
    if (close) close(ws, code, reason);
  };
  if (!r.on_message) {
    r.on_message = [channel](WebSocket&, std::string_view data, bool binary) { publish(channel, data, binary); };
  }
  return r;
}

}  // namespace hearth
