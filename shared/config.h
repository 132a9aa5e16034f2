// The configuration of one hearth instance, as loaded from etc/hearth.json
// and overridden by command-line flags. Plain data: the master loads it,
// workers inherit a copy across fork(). All paths are absolute once loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "shared/address_allow_list.h"
#include "shared/upstream_address.h"

namespace hearth {

// A URL prefix served from a folder with the prefix stripped, like Go's
// http.StripPrefix("/public/", http.FileServer(http.Dir(dir))).
struct Mount {
  std::string prefix;  // always starts and ends with '/'
  std::string dir;     // canonical folder (absolute, symlinks resolved)
};

struct Limits {
  size_t request_line_bytes = 8192;   // over it: 414
  size_t header_bytes = 16384;        // request line + headers; over it: 431
  size_t body_bytes = 1 << 20;        // over it: 413
  uint64_t header_timeout_ms = 10000; // no complete header by then: 408
  uint64_t body_timeout_ms = 30000;   // no body progress by then: 408
  uint64_t keepalive_timeout_ms = 75000;
  int max_connections = 4096;         // per worker; at the limit accepting pauses
};

struct LogConfig {
  std::string error_log = "stderr";   // a path, "stderr", or "off"
  std::string access_log = "off";     // a path, "stderr", or "off"
  std::string level = "info";         // trace debug info warn error critical off
};

struct SupervisorConfig {
  uint64_t hang_timeout_ms = 30000;     // no heartbeat for this long: killed
  uint64_t shutdown_timeout_ms = 30000; // graceful stop deadline
  uint64_t retire_timeout_ms = 300000;  // old generation's in-flight responses after a reload
  uint64_t upgrade_timeout_ms = 60000;  // a new binary (SIGUSR2) must be ready by then
  uint64_t heartbeat_interval_ms = 1000;
  uint64_t max_requests = 0;            // 0 = never retire
  uint64_t max_requests_jitter = 0;
  std::string pid_file;                 // empty = none
  bool daemon = false;
};

struct GzipConfig {
  bool on_the_fly = true;
  bool precompressed = true;            // serve FILE.gz / FILE.br siblings
  bool precompressed_always = false;    // nginx `gzip_static always`
  std::vector<std::string> types = {"text/*", "application/javascript", "application/json",
                                    "text/css", "image/svg+xml", "application/xml"};
  size_t min_length = 256;
  int level = 1;
  size_t cache_bytes = 32 << 20;        // compressed bodies kept in memory (LRU)
  size_t stream_above = 1 << 20;        // larger files stream through zlib, uncached
};

struct WebSocketConfig {
  size_t max_message_bytes = 1 << 20;
  uint64_t idle_timeout_ms = 60000;
  size_t send_buffer_bytes = 4 << 20;
};

// The operator routes: GET `path` answers the master's scoreboard
// (worker/status_route.h), and the /debug/* drills when `drills` is on; both
// only to the clients in `allow`, others get 403.
// The app's async machinery (include/hearth/reply.h, offload.h).
struct AppConfig {
  uint64_t reply_timeout_ms = 60000;    // a deferred response still open then: 504
  int threads = 4;                      // offload() pool per worker (libuv's thread pool)
};

// The app behind hearth (docs/UPSTREAM.md): servers hearth proxies what
// no file and no C++ route answers to, and the processes it runs itself.
struct UpstreamConfig {
  std::vector<UpstreamAddress> servers;          // running servers, as configured
  std::vector<std::string> command;              // argv of supervised instances; empty = none
  int instances = 1;
  std::string ready;                             // HTTP path polled; "" = the port accepting
  std::string directory;                         // the command's working directory
  std::vector<std::pair<std::string, std::string>> environment;
  std::string output = "error_log";              // "error_log", "off" or a file path
  uint64_t start_timeout_ms = 30000;
  uint64_t drain_timeout_ms = 30000;
  uint64_t stop_timeout_ms = 5000;
  uint64_t connect_timeout_ms = 5000;
  uint64_t first_byte_timeout_ms = 60000;
  uint64_t read_timeout_ms = 60000;
  uint64_t send_timeout_ms = 60000;
  int keepalive = 32;                            // idle pooled connections per server per worker
  uint64_t keepalive_timeout_ms = 60000;
  int tries = 3;
  uint64_t retry_timeout_ms = 10000;
  uint64_t fail_timeout_ms = 10000;
  uint64_t max_body_bytes = 100 << 20;
  static constexpr int kMaxInstances = 64;

  bool enabled() const { return !servers.empty() || !command.empty(); }
  bool supervised() const { return !command.empty(); }
  // The command listens on a unix socket ({socket}) rather than a port.
  bool uses_socket() const;
};

struct StatusConfig {
  std::string path;                                       // "" = no status route
  AddressAllowList allow = AddressAllowList::loopback();
};

// A certificate and its key (PEM files). `where` is "file:LINE: key" of the
// entry, so a message about the files names the config line too.
struct TlsCertificate {
  std::string cert;  // the leaf first, then its chain
  std::string key;
  std::string where;
};

// TLS on a listener (docs/TLS.md). Several certificates are picked by SNI;
// the first is the default.
struct TlsConfig {
  std::vector<TlsCertificate> certificates;
  uint64_t handshake_timeout_ms = 10000;
  std::string min_version = "1.2";       // "1.2" or "1.3"
  bool session_tickets = true;
  uint64_t ticket_rotation_ms = 3600000; // a new ticket key this often
};

// One address hearth accepts connections on.
struct ListenConfig {
  std::string host = "0.0.0.0";
  int port = 3000;
  bool tls = false;
  TlsConfig tls_config;
  bool redirect_to_https = false;  // every request: 301 to https://
  std::string hsts;                // Strict-Transport-Security value; "" = none
  std::string where;               // "file:LINE: listen[N]", for messages

  bool same_address(const ListenConfig& other) const { return host == other.host && port == other.port; }
};

struct Config {
  std::string file;                     // absolute path of the config file ("" = built-in)
  std::vector<ListenConfig> listeners = {ListenConfig()};  // never empty
  int workers = 1;                      // "auto" resolves to the CPU count
  std::string root;                     // document root, canonical; "" = none (mounts and app only)
  std::vector<std::string> index = {"index.html"};
  std::vector<Mount> mounts;           // longest prefix first: the first match wins
  bool serve_hidden = false;            // dot-segments other than /.well-known/
  bool symlinks_outside_root = false;   // serve symlinks whose target leaves the root
  uint64_t open_file_cache_valid_ms = 1000;
  size_t open_file_cache_entries = 1024;
  Limits limits;
  LogConfig log;
  SupervisorConfig supervisor;
  GzipConfig gzip;
  WebSocketConfig websocket;
  StatusConfig status;
  AppConfig app;
  UpstreamConfig upstream;
  bool drills = false;                  // /debug/* crash routes, for status.allow clients
  std::vector<std::pair<std::string, std::string>> response_headers; // added to every response
};

// Loads `path` into `*out`. On failure returns false, leaves `*out` as it
// was and sets `*error` to one message naming the file and what is wrong:
//   "etc/bad.json:7:3: syntax error: ..."                 (line:column)
//   "etc/bad.json:12: limits.header_bytes: expected ..."  (line of the key)
//   "etc/bad.json:4: unknown key \"wrokers\" (did you mean \"workers\"?)"
// Relative paths in the file resolve against the file's folder. The keys are
// documented in docs/CONFIG.md.
bool load_config(const std::string& path, Config* out, std::string* error);

// Built-in defaults (no file): no root, so no files are served.
Config default_config();

// Parses a listen address: "HOST:PORT", "[IPV6]:PORT", ":PORT" or "PORT".
// HOST is a numeric address, "*" (= 0.0.0.0) or "localhost" (= 127.0.0.1);
// `*host` gets the bare address (no brackets). PORT is 0..65535 (0 lets the
// kernel pick, for tests).
bool parse_listen(const std::string& text, std::string* host, int* port, std::string* error);

// What "workers": "auto" means: the online CPU count, clamped to 1..kMaxWorkers.
constexpr int kMaxWorkers = 256;
int auto_worker_count();

// True for the level names the config accepts:
// trace debug info warn error critical off.
bool is_log_level(const std::string& name);

// Makes `path` (relative to the current directory) canonical, and fails with
// a message unless it names an existing folder.
bool resolve_folder(const std::string& path, std::string* canonical, std::string* error);

}  // namespace hearth
