// GET /status: the master's scoreboard as JSON, answered by any worker.
// Opt-in (config `status`); dispatch lets only `status.allow` clients reach it.
//   {"master_pid":1, "started":1700000000, "generation":1,
//    "workers":[{"slot":1, "pid":2, "started":..., "requests":10,
//                "active_connections":1, "restarts":0, "last_exit":""}],
//    "app_instances":[{"slot":1, "pid":3, "address":"127.0.0.1:41003",
//                      "state":"ready", "restarts":0, "last_exit":"",
//                      "started":..., "outstanding":0}]}
// "started" values are unix seconds; "requests" counts a slot across restarts.
// "app_instances" (upstream.command) lists the table's entries in use, by
// slot: a slot has two during its rolling restart; [] without instances.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "shared/app_instance_table.h"
#include "shared/status_table.h"
#include "worker/app/router.h"

namespace hearth {

// Answers GET `path`. `table` must outlive the router; nullptr answers 503.
void register_status_route(Router& router, const StatusTable* table, const std::string& path);

// `apps` nullptr: no app instance table (--single), an empty list.
nlohmann::json status_json(const StatusTable& table, const AppInstanceTable* apps = nullptr);
nlohmann::json app_instances_json(const AppInstanceTable* table);

}  // namespace hearth
