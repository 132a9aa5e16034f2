#include "worker/upstream/upstream_pool.h"

namespace hearth {

UpstreamPool::UpstreamPool(uv_loop_t* loop, int max_idle_per_server, uint64_t idle_timeout_ms)
    : loop_(loop), max_idle_per_server_(max_idle_per_server), idle_timeout_ms_(idle_timeout_ms) {}

UpstreamPool::~UpstreamPool() { close_all(); }

UpstreamSocket* UpstreamPool::take(const std::string& address, uint64_t instance_serial, UpstreamSocket::Owner* owner) {
  auto found = idle_.find(address);
  if (found == idle_.end()) return nullptr;
  for (UpstreamSocket* socket = found->second.head; socket != nullptr; socket = socket->next) {
    if (socket->instance_serial != instance_serial) continue;
    unlink(socket);
    socket->stop_timer();
    socket->set_owner(owner);
    return socket;
  }
  return nullptr;
}

void UpstreamPool::give_back(UpstreamSocket* socket) {
  if (max_idle_per_server_ == 0 || socket->closing()) {
    socket->close();
    return;
  }
  const std::string& key = socket->address().text;
  auto full = idle_.find(key);
  if (full != idle_.end() && full->second.size >= max_idle_per_server_) close_idle(full->second.tail);
  List& list = idle_[key];
  socket->set_owner(this);
  socket->read_start();  // to notice the server closing it
  socket->idle_since_ms = uv_now(loop_);
  socket->set_timer(idle_timeout_ms_);
  socket->prev = nullptr;
  socket->next = list.head;
  if (list.head != nullptr) list.head->prev = socket;
  list.head = socket;
  if (list.tail == nullptr) list.tail = socket;
  list.size++;
  idle_count_++;
}

void UpstreamPool::unlink(UpstreamSocket* socket) {
  auto found = idle_.find(socket->address().text);
  if (found == idle_.end()) return;
  List& list = found->second;
  if (socket->prev != nullptr) {
    socket->prev->next = socket->next;
  } else if (list.head == socket) {
    list.head = socket->next;
  } else {
    return;  // not in this list
  }
  if (socket->next != nullptr) {
    socket->next->prev = socket->prev;
  } else {
    list.tail = socket->prev;
  }
  socket->prev = socket->next = nullptr;
  list.size--;
  idle_count_--;
  if (list.size == 0) idle_.erase(found);
}

void UpstreamPool::close_idle(UpstreamSocket* socket) {
  unlink(socket);
  socket->close();
}

void UpstreamPool::close_all() {
  while (!idle_.empty()) close_idle(idle_.begin()->second.head);
}

}  // namespace hearth
