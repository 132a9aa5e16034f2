#include "worker/routes/status_route.h"

#include <algorithm>

namespace hearth {

nlohmann::json app_instances_json(const AppInstanceTable* table) {
  nlohmann::json instances = nlohmann::json::array();
  for (int e = 0; table != nullptr && e < AppInstanceTable::kMaxEntries; e++) {
    AppInstanceStatus s = table->get(e);
    if (s.state == AppInstanceState::kFree) continue;
    instances.push_back({{"slot", s.slot},
                         {"pid", s.pid},
                         {"address", s.address.text},
                         {"state", app_instance_state_name(s.state)},
                         {"restarts", s.restarts},
                         {"last_exit", s.last_exit},
                         {"started", s.started},
                         {"outstanding", table->outstanding(e)}});
  }
  // By slot, the old instance of a rolling restart before its new one.
  std::stable_sort(instances.begin(), instances.end(),
                   [](const nlohmann::json& a, const nlohmann::json& b) { return a["slot"] < b["slot"]; });
  return instances;
}

nlohmann::json status_json(const StatusTable& table, const AppInstanceTable* apps) {
  MasterStatus m = table.master();
  nlohmann::json workers = nlohmann::json::array();
  int slots = std::min(std::max(m.workers, 0), StatusTable::kMaxSlots);
  for (int i = 1; i <= slots; i++) {
    SlotStatus s = table.slot(i);
    workers.push_back({{"slot", i},
                       {"pid", s.pid},
                       {"started", s.started},
                       {"requests", s.requests},
                       {"active_connections", s.active_connections},
                       {"restarts", s.restarts},
                       {"last_exit", s.last_exit}});
  }
  return {{"master_pid", m.pid},
          {"started", m.started},
          {"generation", m.generation},
          {"workers", workers},
          {"app_instances", app_instances_json(apps)}};
}

void register_status_route(Router& router, const StatusTable* table, const std::string& path) {
  const AppInstanceTable* apps = process_app_instance_table();
  router.get(path, [table, apps](const Request&, Response& res) {
    res.headers.set("Cache-Control", "no-store");
    if (table == nullptr) {
      res.json({{"error", "no status table"}}, 503);
      return;
    }
    res.json(status_json(*table, apps));
  });
}

}  // namespace hearth
