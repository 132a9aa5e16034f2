// The application: the routes this site answers that are not files on disk.
#pragma once

namespace hearth {

class Worker;

// Adds the app's routes to the worker's router. One line per route.
void register_app_routes(Worker& worker);

}  // namespace hearth
