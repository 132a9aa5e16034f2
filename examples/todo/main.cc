// A todo list: a JSON API over SQLite, a page in ./public, and live updates
// to every open page, whichever worker it is connected to.
//   GET    /api/todos       [{"id":1,"title":"...","done":false}, ...] by id
//   POST   /api/todos       {"title":"..."}                -> 201 the item
//   PATCH  /api/todos/:id   {"title":"...","done":true}    -> 200 the item
//   DELETE /api/todos/:id                                  -> 204
//   WS     /api/live        {"type":"created"|"updated"|"deleted", ...} per change
// The database: $TODO_DB, else ./data/todo.db. Run: ./todo -c todo.json
#include <hearth/hearth.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "todo_store.h"

namespace {

constexpr size_t kMaxTitleChars = 200;
const std::string kChannel = "todos";

// This worker's connection, opened in on_worker_start. Each job holds its
// own reference, so a job still on the pool when the worker exits keeps
// the store alive.
std::shared_ptr<TodoStore> g_store;

nlohmann::json to_json(const Todo& t) { return {{"id", t.id}, {"title", t.title}, {"done", t.done}}; }

// Tells every page, on every worker, what changed.
void announce(const char* type, const nlohmann::json& payload, const char* key) {
  hearth::publish(kChannel, nlohmann::json{{"type", type}, {key, payload}}.dump());
}

// --- request checks (on the loop, before any database work) ---------------

// ":id" as a positive number; anything else names no todo.
int64_t todo_id(const hearth::Request& req) {
  const std::string& text = req.params.at("id");
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    throw hearth::HttpError(404, "no such todo");
  return std::stoll(text);
}

// The body as a JSON object (invalid JSON: req.json() throws 400).
nlohmann::json body_object(const hearth::Request& req) {
  nlohmann::json body = req.json();
  if (!body.is_object()) throw hearth::HttpError(422, "the body must be a JSON object");
  return body;
}

size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count every byte but continuations
  return n;
}

// A title, trimmed: a non-empty string of at most kMaxTitleChars characters.
std::string valid_title(const nlohmann::json& value) {
  if (!value.is_string()) throw hearth::HttpError(422, "title must be a string");
  const std::string& raw = value.get_ref<const std::string&>();
  const char* space = " \t\r\n";
  size_t first = raw.find_first_not_of(space);
  if (first == std::string::npos) throw hearth::HttpError(422, "title must not be empty");
  std::string title = raw.substr(first, raw.find_last_not_of(space) - first + 1);
  if (utf8_chars(title) > kMaxTitleChars) throw hearth::HttpError(422, "title is longer than 200 characters");
  return title;
}

std::shared_ptr<TodoStore> store() {
  if (!g_store) throw std::logic_error("the database is not open in this worker");
  return g_store;
}

// --- handlers: each defers, runs its query on the pool, answers in done ----

void list_todos(const hearth::Request&, hearth::Response& res) {
  hearth::offload([db = store()] { return db->list(); },
                  [reply = res.defer()](hearth::Outcome<std::vector<Todo>>& todos) mutable {
                    nlohmann::json items = nlohmann::json::array();
                    for (const Todo& t : todos.get()) items.push_back(to_json(t));
                    reply.json(items);
                  });
}

void create_todo(const hearth::Request& req, hearth::Response& res) {
  nlohmann::json body = body_object(req);
  if (!body.contains("title")) throw hearth::HttpError(422, "title is missing");
  std::string title = valid_title(body["title"]);
  hearth::offload([db = store(), title] { return db->add(title); },
                  [reply = res.defer()](hearth::Outcome<Todo>& added) mutable {
                    nlohmann::json item = to_json(added.get());
                    announce("created", item, "todo");
                    reply.json(item, 201);
                  });
}

void update_todo(const hearth::Request& req, hearth::Response& res) {
  int64_t id = todo_id(req);
  nlohmann::json body = body_object(req);
  std::optional<std::string> title;
  std::optional<bool> done;
  if (body.contains("title")) title = valid_title(body["title"]);
  if (body.contains("done")) {
    if (!body["done"].is_boolean()) throw hearth::HttpError(422, "done must be true or false");
    done = body["done"].get<bool>();
  }
  if (!title && !done) throw hearth::HttpError(422, "give title or done");
  hearth::offload([db = store(), id, title, done] { return db->update(id, title, done); },
                  [reply = res.defer()](hearth::Outcome<std::optional<Todo>>& updated) mutable {
                    if (!updated.get()) throw hearth::HttpError(404, "no such todo");
                    nlohmann::json item = to_json(*updated.get());
                    announce("updated", item, "todo");
                    reply.json(item);
                  });
}

void delete_todo(const hearth::Request& req, hearth::Response& res) {
  int64_t id = todo_id(req);
  hearth::offload([db = store(), id] { return db->remove(id); },
                  [reply = res.defer(), id](hearth::Outcome<bool>& removed) mutable {
                    if (!removed.get()) throw hearth::HttpError(404, "no such todo");
                    announce("deleted", id, "id");
                    reply.response().status = 204;
                    reply.send();
                  });
}

// Pages only listen: a message from a client is dropped, so no page can
// pose as the server to the others.
hearth::WebSocketRoute live_route() {
  hearth::WebSocketRoute r;
  r.max_message_bytes = 1024;
  r.on_message = [](hearth::WebSocket&, std::string_view, bool) {};
  r.on_open = [](hearth::WebSocket& ws) {
    ws.send(nlohmann::json{{"type", "hello"}, {"worker", hearth::current_worker().slot}}.dump());
  };
  return hearth::broadcast_route(kChannel, r);
}

// $TODO_DB or ./data/todo.db, made absolute now: a daemon master changes
// its directory to / before the workers start.
std::string database_path() {
  const char* env = std::getenv("TODO_DB");
  std::string path = env && *env ? env : "data/todo.db";
  if (path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == nullptr) throw std::runtime_error("getcwd failed");
  return std::string(cwd) + "/" + path;
}

// The database's folder (one level; the workers may race to make it).
void make_parent_folder(const std::string& path) {
  std::string folder = path.substr(0, path.find_last_of('/'));
  if (!folder.empty() && mkdir(folder.c_str(), 0755) != 0 && errno != EEXIST)
    throw std::runtime_error("mkdir " + folder + ": " + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path = database_path();
  hearth::App app;
  // After the fork, never before: every worker gets its own connection.
  app.on_worker_start([db_path](const hearth::WorkerInfo&) {
    make_parent_folder(db_path);
    g_store = std::make_shared<TodoStore>(db_path);
  });
  app.get("/api/todos", list_todos);
  app.post("/api/todos", create_todo);
  app.patch("/api/todos/:id", update_todo);
  app.del("/api/todos/:id", delete_todo);
  app.websocket("/api/live", live_route());
  return hearth::run(app, argc, argv);
}
