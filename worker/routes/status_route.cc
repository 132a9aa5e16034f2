#include "worker/routes/status_route.h"

namespace hearth {

nlohmann::json status_json(const StatusTable& table) {
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
  return {{"master_pid", m.pid}, {"started", m.started}, {"generation", m.generation}, {"workers", workers}};
}

void register_status_route(Router& router, const StatusTable* table, const std::string& path) {
  router.get(path, [table](const Request&, Response& res) {
    res.headers.set("Cache-Control", "no-store");
    if (table == nullptr) {
      res.json({{"error", "no status table"}}, 503);
      return;
    }
    res.json(status_json(*table));
  });
}

}  // namespace hearth
