#include "worker/upstream/balancer.h"

#include <algorithm>

#include "shared/app_instance_table.h"

namespace hearth {

namespace {

bool contains(const std::vector<ServerRef>& list, const ServerRef& server) {
  return std::find(list.begin(), list.end(), server) != list.end();
}

}  // namespace

Balancer::Balancer(const UpstreamConfig& config, AppInstanceTable* table)
    : fail_timeout_ms_(config.fail_timeout_ms), table_(config.supervised() ? table : nullptr) {
  for (const UpstreamAddress& address : config.servers) {
    auto server = std::make_shared<UpstreamServer>();
    server->address = address;
    configured_.push_back(server);
  }
  all_ = configured_;
}

// The instances are read again only when the master changed the table.
void Balancer::refresh() {
  if (table_ == nullptr || table_->version() == table_version_) return;
  table_version_ = table_->version();
  std::vector<ServerRef> ready;
  for (int entry = 0; entry < AppInstanceTable::kMaxEntries; entry++) {
    AppInstanceStatus status = table_->get(entry);
    if (status.state != AppInstanceState::kReady) continue;
    auto known = std::find_if(instances_.begin(), instances_.end(), [&](const ServerRef& s) {
      return s->entry == entry && s->serial == status.serial;
    });
    if (known != instances_.end()) {
      ready.push_back(*known);
      continue;
    }
    auto server = std::make_shared<UpstreamServer>();
    server->address = status.address;
    server->entry = entry;
    server->serial = status.serial;
    ready.push_back(server);
  }
  for (const ServerRef& old : instances_) {
    if (!contains(ready, old)) old->gone = true;
  }
  instances_ = std::move(ready);
  all_ = configured_;
  all_.insert(all_.end(), instances_.begin(), instances_.end());
}

const std::vector<ServerRef>& Balancer::servers() {
  refresh();
  return all_;
}

bool Balancer::has_untried(const std::vector<ServerRef>& tried) {
  refresh();
  return std::any_of(all_.begin(), all_.end(),
                     [&](const ServerRef& server) { return !server->gone && !contains(tried, server); });
}

// An instance's load counts every worker's requests, so all workers spread
// over the instances together.
int64_t Balancer::load(const UpstreamServer& server) const {
  if (server.entry >= 0 && table_ != nullptr) return table_->outstanding(server.entry);
  return server.outstanding;
}

// Counted before the last look at its state: the master, which retires an
// instance by marking it draining and then waits for its count to reach
// zero, either sees this request or we see its mark.
bool Balancer::claim(const ServerRef& server) {
  server->outstanding++;
  if (server->entry < 0) return true;
  table_->add_outstanding(server->entry, 1);
  AppInstanceStatus status = table_->get(server->entry);
  if (status.state == AppInstanceState::kReady && status.serial == server->serial) return true;
  table_->add_outstanding(server->entry, -1);
  server->outstanding--;
  server->gone = true;
  return false;
}

ServerRef Balancer::pick(const std::vector<ServerRef>& tried, uint64_t now_ms) {
  for (int round = 0; round < 3; round++) {
    refresh();
    ServerRef best;
    int64_t best_load = 0;
    bool best_up = false;
    const size_t n = all_.size();
    for (size_t i = 0; i < n; i++) {
      const ServerRef& server = all_[(turn_ + i) % n];
      if (server->gone || (contains(tried, server) && n > tried.size())) continue;
      bool up = server->down_until_ms <= now_ms;
      int64_t server_load = load(*server);
      // Up beats down; among the down, the one back soonest.
      bool better = !best || (up && !best_up) ||
                    (up == best_up && (up ? server_load < best_load : server->down_until_ms < best->down_until_ms));
      if (better) {
        best = server;
        best_load = server_load;
        best_up = up;
      }
    }
    if (!best) return nullptr;
    turn_++;
    if (claim(best)) return best;
  }
  return nullptr;
}

void Balancer::finished(const ServerRef& server) {
  server->outstanding--;
  if (server->entry >= 0 && table_ != nullptr) table_->add_outstanding(server->entry, -1);
}

void Balancer::mark_down(const ServerRef& server, uint64_t now_ms) {
  if (fail_timeout_ms_ > 0) server->down_until_ms = now_ms + fail_timeout_ms_;
}

}  // namespace hearth
