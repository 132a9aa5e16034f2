#include "todo_store.h"

#include <sqlite3.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error("sqlite: " + what + ": " + sqlite3_errmsg(db));
}

// A prepared statement that finalises itself, so an early throw leaks nothing.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail(db, sql);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, const std::string& v) { check(sqlite3_bind_text(stmt_, i, v.data(), int(v.size()), SQLITE_TRANSIENT)); }
  void bind_null(int i) { check(sqlite3_bind_null(stmt_, i)); }

  // True while there is a row to read; false when done.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
  }
  // A row of "id, title, done".
  Todo todo() const {
    Todo t;
    t.id = sqlite3_column_int64(stmt_, 0);
    const unsigned char* text = sqlite3_column_text(stmt_, 1);
    t.title = text ? reinterpret_cast<const char*>(text) : "";
    t.done = sqlite3_column_int(stmt_, 2) != 0;
    return t;
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(db_, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

TodoStore::TodoStore(const std::string& path) {
  // FULLMUTEX as well as our mutex: cheap, and safe even if a call forgets the lock.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("sqlite: open " + path + ": " + message);
  }
  try {
    // The timeout first: the other workers start at the same moment and
    // may hold the lock the next statements need.
    sqlite3_busy_timeout(db_, 5000);
    set_wal_mode();
    exec("CREATE TABLE IF NOT EXISTS todos ("
         " id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " title TEXT NOT NULL,"
         " done INTEGER NOT NULL DEFAULT 0)");
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

TodoStore::~TodoStore() { sqlite3_close(db_); }

// Switching a new file to WAL takes an exclusive lock, and SQLite answers
// SQLITE_BUSY at once (no busy handler) when another worker is doing the
// same: try again for up to the busy timeout.
void TodoStore::set_wal_mode() {
  for (int attempt = 0;; ++attempt) {
    std::string mode;
    auto first_column = [](void* out, int, char** values, char**) {
      *static_cast<std::string*>(out) = values[0] ? values[0] : "";
      return 0;
    };
    int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", first_column, &mode, nullptr);
    if (rc == SQLITE_OK && mode == "wal") return;
    if (rc == SQLITE_OK) throw std::runtime_error("sqlite: WAL mode refused, journal_mode is " + mode);
    if (rc != SQLITE_BUSY || attempt == 500) fail(db_, "PRAGMA journal_mode=WAL");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void TodoStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(std::string("sqlite: ") + sql + ": " + message);
  }
}

std::vector<Todo> TodoStore::list() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "SELECT id, title, done FROM todos ORDER BY id");
  std::vector<Todo> todos;
  while (s.step()) todos.push_back(s.todo());
  return todos;
}

// RETURNING (SQLite 3.35+) gives the row written in the same statement, so
// no other worker's change can slip in between a write and a read back.
Todo TodoStore::add(const std::string& title) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "INSERT INTO todos (title) VALUES (?1) RETURNING id, title, done");
  s.bind(1, title);
  if (!s.step()) fail(db_, "insert returned no row");
  Todo t = s.todo();
  s.step();  // SQLITE_DONE: the statement, and its commit, are finished
  return t;
}

std::optional<Todo> TodoStore::update(int64_t id, const std::optional<std::string>& title, std::optional<bool> done) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_,
              "UPDATE todos SET title = coalesce(?1, title), done = coalesce(?2, done)"
              " WHERE id = ?3 RETURNING id, title, done");
  if (title) s.bind(1, *title); else s.bind_null(1);
  if (done) s.bind(2, int64_t(*done)); else s.bind_null(2);
  s.bind(3, id);
  if (!s.step()) return std::nullopt;
  Todo t = s.todo();
  s.step();
  return t;
}

bool TodoStore::remove(int64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_, "DELETE FROM todos WHERE id = ?1");
  s.bind(1, id);
  s.step();
  return sqlite3_changes(db_) > 0;
}
