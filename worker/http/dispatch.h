// The route step of a request: static files first, then the app routes,
// then the upstream (worker/upstream/) or 404 — nginx's
// `try_files $uri $uri/ @app` inside one process.
#pragma once

#include <hearth/app.h>
#include <hearth/request.h>
#include <hearth/response.h>

namespace hearth {

class Worker;

// Fills `res` for `req`. `client_fd` is the socket the answer goes to when
// nothing else is queued on it (else -1): the crash guard writes a 500 there
// if an app handler dies of a fatal signal.
// A handler that deferred its reply (<hearth/reply.h>) leaves `res`
// incomplete; complete_app_response() then runs when the reply is sent.
void dispatch(Worker& worker, Request& req, Response* res, int client_fd);

// The steps after an app handler: a header HTTP forbids makes it a 500, an
// error status without a body gets the error page, compression applies.
void complete_app_response(Worker& worker, const Request& req, Response* res);
// Runs a streaming route's handler when the head of its request is in, as
// handlers run: an exception answers 500 (HttpError: its status).
void run_body_handler(const BodyHandler& handler, const Request& req, Response* res, RequestBody* body, int client_fd);

// The status path or a drill: answered by hearth itself, never proxied.
struct Config;
bool is_operator_path(const Config& config, const std::string& path);

// Header fields an app set must not break the response apart.
bool app_headers_are_well_formed(const Headers& headers);

}  // namespace hearth
