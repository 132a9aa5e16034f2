// The configuration of one hearth instance, as loaded from etc/hearth.json
// and overridden by command-line flags. Plain data: the master loads it,
// workers inherit a copy across fork(). All paths are absolute once loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

// A URL prefix served from a folder with the prefix stripped, like Go's
// http.StripPrefix("/public/", http.FileServer(http.Dir(dir))).
struct Mount {
  std::string prefix;  // always starts and ends with '/'
  std::string dir;     // absolute folder
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
  std::string error_log = "stderr";   // a path, or "stderr"
  std::string access_log = "off";     // a path, "stderr", or "off"
  std::string level = "info";         // trace debug info warn error critical off
};

struct SupervisorConfig {
  uint64_t hang_timeout_ms = 30000;     // no heartbeat for this long: killed
  uint64_t shutdown_timeout_ms = 10000; // graceful stop deadline
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

struct Config {
  std::string file;                     // the config file this came from ("" = built-in)
  std::string listen_host = "0.0.0.0";
  int listen_port = 3000;
  int workers = 1;                      // "auto" resolves to the CPU count
  std::string root;                     // document root
  std::vector<std::string> index = {"index.html"};
  std::vector<Mount> mounts;
  bool serve_hidden = false;            // dot-segments other than /.well-known/
  bool symlinks_outside_root = false;   // serve symlinks whose target leaves the root
  uint64_t open_file_cache_valid_ms = 1000;
  size_t open_file_cache_entries = 1024;
  Limits limits;
  LogConfig log;
  SupervisorConfig supervisor;
  GzipConfig gzip;
  WebSocketConfig websocket;
  bool drills = false;                  // /debug/* crash routes
  std::vector<std::pair<std::string, std::string>> response_headers; // added to every response
};

// Loads `path` into `*out`. On failure returns false and sets `*error` to a
// message naming the file, the line/column (syntax) or the key and the reason.
bool load_config(const std::string& path, Config* out, std::string* error);

// Built-in defaults (no file): root is the current directory.
Config default_config();

}  // namespace hearth
