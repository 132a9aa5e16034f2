#include "worker/upstream/proxy_tunnel.h"

namespace hearth {

namespace {

// Bytes queued for one side beyond which the other side is not read.
constexpr size_t kHighWater = 256 * 1024;

}  // namespace

ProxyTunnel::ProxyTunnel(Client* client, UpstreamSocket* socket, uint64_t idle_timeout_ms)
    : client_(client), socket_(socket), idle_timeout_ms_(idle_timeout_ms) {
  socket_->set_owner(this);
  socket_->read_start();
  touch();
}

ProxyTunnel::~ProxyTunnel() {
  if (socket_ != nullptr) socket_->close();
}

void ProxyTunnel::touch() {
  if (socket_ != nullptr) socket_->set_timer(idle_timeout_ms_);
}

void ProxyTunnel::from_client(const char* data, size_t len) {
  if (socket_ == nullptr) return;
  socket_->write(std::string(data, len));
  if (socket_ == nullptr) return;
  touch();
  if (socket_->queued_bytes() > kHighWater && !client_paused_) {
    client_paused_ = true;
    client_->tunnel_read_client(false);
  }
}

void ProxyTunnel::on_write_drained(UpstreamSocket*) {
  if (client_paused_) {
    client_paused_ = false;
    client_->tunnel_read_client(true);
  }
}

void ProxyTunnel::on_data(UpstreamSocket*, const char* data, size_t len) {
  client_->tunnel_send(std::string(data, len));
  touch();
  if (client_->tunnel_unsent() > kHighWater && !upstream_paused_ && socket_ != nullptr) {
    upstream_paused_ = true;
    socket_->read_stop();
  }
}

void ProxyTunnel::client_drained() {
  if (upstream_paused_ && socket_ != nullptr) {
    upstream_paused_ = false;
    socket_->read_start();
  }
}

void ProxyTunnel::on_closed(UpstreamSocket*, int) {
  socket_ = nullptr;
  client_->tunnel_closed();
}

void ProxyTunnel::on_timer(UpstreamSocket*) {
  UpstreamSocket* socket = socket_;
  socket_ = nullptr;
  socket->close();
  client_->tunnel_closed();
}

}  // namespace hearth
