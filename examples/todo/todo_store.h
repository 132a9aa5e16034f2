// The todo list in SQLite. One TodoStore per worker process: each worker
// opens its own connection after the fork (a connection must never cross a
// fork), and WAL mode lets every worker's connection write to the same file.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

struct Todo {
  int64_t id = 0;
  std::string title;
  bool done = false;
};

// Every method may be called from any thread: offload() runs them on the
// worker's thread pool, several at once, so one mutex serialises them on the
// single connection. Errors throw std::runtime_error (answered 500).
class TodoStore {
 public:
  // Opens (creating it and its table if needed) the database at `path`.
  explicit TodoStore(const std::string& path);
  ~TodoStore();
  TodoStore(const TodoStore&) = delete;
  TodoStore& operator=(const TodoStore&) = delete;

  std::vector<Todo> list();                    // ordered by id
  Todo add(const std::string& title);
  // Changes what is given; nullopt when there is no such id.
  std::optional<Todo> update(int64_t id, const std::optional<std::string>& title, std::optional<bool> done);
  bool remove(int64_t id);                     // false when there is no such id

 private:
  void exec(const char* sql);
  void set_wal_mode();

  std::mutex mutex_;
  sqlite3* db_ = nullptr;
};
