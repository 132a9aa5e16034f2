// Which upstream server gets the next request: the configured servers and
// the supervised instances that are ready now (shared/app_instance_table.h),
// least outstanding requests first, ties taken in turn. A server that
// refused a connection sits out upstream.fail_timeout (passive health).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shared/config.h"

namespace hearth {

class AppInstanceTable;

struct UpstreamServer {
  UpstreamAddress address;
  int entry = -1;            // the instance's table entry; -1 for a configured server
  uint64_t serial = 0;       // the instance's start
  int outstanding = 0;       // this worker's requests in flight
  uint64_t down_until_ms = 0;
  bool gone = false;         // no longer in the table: finish, pick it no more
};

using ServerRef = std::shared_ptr<UpstreamServer>;

class Balancer {
 public:
  // `table` may be null (no supervised instances).
  Balancer(const UpstreamConfig& config, AppInstanceTable* table);

  // The server for an attempt, not one of `tried` when another is up;
  // null when there is none. The request is counted as outstanding on it
  // until finished(). `now_ms`: the loop's clock.
  ServerRef pick(const std::vector<ServerRef>& tried, uint64_t now_ms);
  void finished(const ServerRef& server);
  // It refused or reset: out of the rotation for fail_timeout.
  void mark_down(const ServerRef& server, uint64_t now_ms);

  // A candidate not in `tried` exists now.
  bool has_untried(const std::vector<ServerRef>& tried);

  // For tests and /status: the candidates now.
  const std::vector<ServerRef>& servers();

 private:
  void refresh();
  bool claim(const ServerRef& server);
  int64_t load(const UpstreamServer& server) const;

  const uint64_t fail_timeout_ms_;
  AppInstanceTable* table_;
  std::vector<ServerRef> configured_;
  std::vector<ServerRef> instances_;
  std::vector<ServerRef> all_;
  uint64_t table_version_ = UINT64_MAX;
  size_t turn_ = 0;
};

}  // namespace hearth
