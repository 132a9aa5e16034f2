// The app hearth::run serves. It is installed once, in the master before any
// fork, so every worker inherits it; each worker builds its own router from
// it and runs its on_worker_start hooks.
#pragma once

#include <hearth/app.h>

#include "worker/app/router.h"

namespace hearth {

// `app` must outlive every worker (hearth::run's caller owns it).
void install_app(const App* app);
// The installed app, or nullptr (unit tests build workers without one).
const App* installed_app();

// Adds the app's routes and WebSocket endpoints to `router`.
void add_app_routes(const App& app, Router* router);

// Runs the app's on_worker_start hooks. False (with the reason logged) when
// one threw: the worker must not serve half set up.
bool run_worker_start_hooks(const App& app, const WorkerInfo& info);

}  // namespace hearth
