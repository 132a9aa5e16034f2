// The route step of a request: static files first, then the app routes,
// then 404 — nginx's `try_files $uri $uri/ @app` inside one process.
#pragma once

#include <hearth/request.h>
#include <hearth/response.h>

namespace hearth {

class Worker;

// Fills `res` for `req`. `client_fd` is the socket the answer goes to when
// nothing else is queued on it (else -1): the crash guard writes a 500 there
// if an app handler dies of a fatal signal.
void dispatch(Worker& worker, Request& req, Response* res, int client_fd);

}  // namespace hearth
