// GET /status: the master's scoreboard as JSON, answered by any worker.
// Opt-in (config `status`); dispatch lets only `status.allow` clients reach it.
//   {"master_pid":1, "started":1700000000, "generation":1,
//    "workers":[{"slot":1, "pid":2, "started":..., "requests":10,
//                "active_connections":1, "restarts":0, "last_exit":""}]}
// "started" values are unix seconds; "requests" counts a slot across restarts.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "shared/status_table.h"
#include "worker/app/router.h"

namespace hearth {

// Answers GET `path`. `table` must outlive the router; nullptr answers 503.
void register_status_route(Router& router, const StatusTable* table, const std::string& path);

nlohmann::json status_json(const StatusTable& table);

}  // namespace hearth
