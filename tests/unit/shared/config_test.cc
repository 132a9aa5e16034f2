// The config loader: values, defaults, path resolution, and the exact error
// messages (file, line, column, key path) for each kind of mistake.
#include "shared/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace hearth {
namespace {

namespace fs = std::filesystem;

// A temporary folder removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hearth-config-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
    path_ = fs::canonical(path_).string();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string make_dir(const std::string& name) const {
    fs::create_directories(path_ + "/" + name);
    return path_ + "/" + name;
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::string file = path_ + "/" + name;
    fs::create_directories(fs::path(file).parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

class ConfigTest : public ::testing::Test {
 protected:
  // Loads `text` as etc/hearth.json; returns the error ("" when it loaded).
  std::string load(const std::string& text) {
    dir_.write("etc/hearth.json", text);
    std::string error;
    if (!load_config(file_, &config_, &error) && error.empty()) return "failed without a message";
    return error;
  }
  // The message expected for the test file: "FILE:" + rest.
  std::string at(const std::string& rest) const { return file_ + ":" + rest; }

  TempDir dir_;
  const std::string file_ = dir_.path() + "/etc/hearth.json";  // at() may run before load()
  Config config_;
};

TEST_F(ConfigTest, DefaultsServeNoFolder) {
  Config config = default_config();
  EXPECT_EQ(config.root, "") << "no root: the current folder is not served";
  EXPECT_EQ(config.file, "");
  EXPECT_EQ(config.listeners[0].host, "0.0.0.0");
  EXPECT_EQ(config.listeners[0].port, 3000);
  EXPECT_EQ(config.workers, 1);
  EXPECT_EQ(config.index, std::vector<std::string>{"index.html"});
  EXPECT_TRUE(config.mounts.empty());
  EXPECT_EQ(config.log.error_log, "stderr");
  EXPECT_EQ(config.log.access_log, "off");
  EXPECT_EQ(config.log.level, "info");
  EXPECT_EQ(config.supervisor.shutdown_timeout_ms, 30000u);
  EXPECT_EQ(config.supervisor.retire_timeout_ms, 300000u);
  EXPECT_EQ(config.status.path, "") << "no status route";
  EXPECT_TRUE(config.status.allow.allows("127.0.0.1"));
  EXPECT_FALSE(config.status.allow.allows("192.0.2.1"));
}

TEST_F(ConfigTest, EmptyObjectKeepsDefaultsAndHasNoRoot) {
  ASSERT_EQ(load("{}"), "");
  EXPECT_EQ(config_.file, file_);
  EXPECT_EQ(config_.root, "") << "the config's folder is not served";
  EXPECT_EQ(config_.listeners[0].port, 3000);
  EXPECT_EQ(config_.limits.header_bytes, 16384u);
  EXPECT_EQ(config_.supervisor.hang_timeout_ms, 30000u);
  EXPECT_EQ(config_.supervisor.shutdown_timeout_ms, 30000u);
  EXPECT_EQ(config_.supervisor.retire_timeout_ms, 300000u);
  EXPECT_EQ(config_.status.path, "");
  EXPECT_FALSE(config_.drills);
}

TEST_F(ConfigTest, RetireTimeoutIsSecondsLikeShutdownTimeout) {
  ASSERT_EQ(load(R"({"supervisor": {"retire_timeout": 0.5}})"), "");
  EXPECT_EQ(config_.supervisor.retire_timeout_ms, 500u);
  EXPECT_EQ(load(R"({"supervisor": {"retire_timeout": 0}})"),
            at("1: supervisor.retire_timeout: must be at least 0.001 seconds, got 0"));
  EXPECT_EQ(load(R"({"supervisor": {"retire_timeout": "5m"}})"),
            at("1: supervisor.retire_timeout: expected a number of seconds, got \"5m\""));
}

TEST_F(ConfigTest, UpgradeTimeoutIsSecondsLikeRetireTimeout) {
  EXPECT_EQ(default_config().supervisor.upgrade_timeout_ms, 60000u);
  ASSERT_EQ(load(R"({"supervisor": {"upgrade_timeout": 1.5}})"), "");
  EXPECT_EQ(config_.supervisor.upgrade_timeout_ms, 1500u);
  EXPECT_EQ(load(R"({"supervisor": {"upgrade_timeout": 0}})"),
            at("1: supervisor.upgrade_timeout: must be at least 0.001 seconds, got 0"));
  EXPECT_EQ(load(R"({"supervisor": {"upgrade_timeout": "1m"}})"),
            at("1: supervisor.upgrade_timeout: expected a number of seconds, got \"1m\""));
}

TEST_F(ConfigTest, StatusSectionTurnsTheRouteOn) {
  ASSERT_EQ(load(R"({"status": {}})"), "");
  EXPECT_EQ(config_.status.path, "/status");
  EXPECT_TRUE(config_.status.allow.allows("127.0.0.1"));
  EXPECT_TRUE(config_.status.allow.allows("::1"));
  EXPECT_FALSE(config_.status.allow.allows("10.0.0.1"));

  ASSERT_EQ(load(R"({"status": {"path": "/_hearth/status"}})"), "");
  EXPECT_EQ(config_.status.path, "/_hearth/status");
  EXPECT_TRUE(config_.status.allow.allows("127.0.0.1")) << "loopback when allow is not given";

  ASSERT_EQ(load(R"({"status": {"path": "/status", "allow": ["10.0.0.0/8", "::ffff:192.0.2.1"]}})"), "");
  EXPECT_TRUE(config_.status.allow.allows("10.2.3.4"));
  EXPECT_TRUE(config_.status.allow.allows("192.0.2.1"));
  EXPECT_FALSE(config_.status.allow.allows("127.0.0.1")) << "a given list replaces loopback";

  ASSERT_EQ(load(R"({"status": {"allow": []}})"), "");
  EXPECT_TRUE(config_.status.allow.empty()) << "nobody";
}

TEST_F(ConfigTest, BadStatusSectionsAreRefused) {
  EXPECT_EQ(load(R"({"status": true})"), at("1: status: expected an object, got true"));
  EXPECT_EQ(load(R"({"status": {"path": "status"}})"),
            at("1: status.path: expected a path of plain segments, as in \"/status\", got \"status\""));
  for (const char* bad : {"/", "/a/", "//status", "/a/../b", "/a/.", "/users/:id", "/api/*", "/a b", "/a%20",
                          "/a?b"}) {
    std::string text = std::string(R"({"status": {"path": ")") + bad + "\"}}";
    EXPECT_NE(load(text).find(": status.path: expected a path of plain segments"), std::string::npos) << bad;
  }
  EXPECT_EQ(load("{\"status\": {\n  \"allow\": [\"127.0.0.1\",\n    \"localhost\"]}}"),
            at("2: status.allow[1]: \"localhost\" is not an IP address or CIDR block "
               "(\"127.0.0.1\", \"10.0.0.0/8\", \"::1\")"));
  EXPECT_EQ(load(R"({"status": {"allow": "127.0.0.1"}})"),
            at("1: status.allow: expected a list of addresses and CIDR blocks, got \"127.0.0.1\""));
  EXPECT_EQ(load(R"({"status": {"allow": [1]}})"), at("1: status.allow[0]: expected a string, got 1"));
  EXPECT_EQ(load(R"({"status": {"alow": []}})"), at("1: unknown key \"status.alow\" (did you mean \"allow\"?)"));
}

TEST_F(ConfigTest, FullFileSetsEveryField) {
  dir_.make_dir("site/public");
  std::string assets = dir_.make_dir("assets");
  ASSERT_EQ(load(R"({
    "listen": "127.0.0.1:8080",
    "workers": 3,
    "root": "../site",
    "index": ["index.html", "index.htm"],
    "mounts": {"/public/": "../site/public", "assets": ")" + assets + R"("},
    "hidden_files": "allow",
    "symlinks": "follow",
    "open_file_cache": {"valid": 2.5, "entries": 10},
    "limits": {"request_line_bytes": 1000, "header_bytes": 2000, "body_bytes": 0,
               "header_timeout": 1, "body_timeout": 0.25, "keepalive_timeout": 5,
               "max_connections": 7},
    "log": {"error": "error.log", "access": "/var/log/access.log", "level": "debug"},
    "supervisor": {"hang_timeout": 4, "shutdown_timeout": 3, "retire_timeout": 60, "heartbeat_interval": 0.5,
                   "max_requests": 100, "max_requests_jitter": 10,
                   "pid_file": "run/hearth.pid", "daemon": true},
    "gzip": {"on_the_fly": false, "precompressed": "always", "types": ["text/html"],
             "min_length": 10, "level": 6, "cache_bytes": 1000, "stream_above": 2000},
    "websocket": {"max_message_bytes": 100, "idle_timeout": 9, "send_buffer_bytes": 200},
    "status": {"path": "/server-status", "allow": ["192.0.2.0/24"]},
    "drills": true,
    "response_headers": {"X-Frame-Options": "DENY", "Server-Timing": "a;dur=1"}
  })"),
            "");
  EXPECT_EQ(config_.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(config_.listeners[0].port, 8080);
  EXPECT_EQ(config_.workers, 3);
  EXPECT_EQ(config_.root, dir_.path() + "/site");
  EXPECT_EQ(config_.index, (std::vector<std::string>{"index.html", "index.htm"}));
  ASSERT_EQ(config_.mounts.size(), 2u);  // longest prefix first
  EXPECT_EQ(config_.mounts[0].prefix, "/public/");
  EXPECT_EQ(config_.mounts[0].dir, dir_.path() + "/site/public");
  EXPECT_EQ(config_.mounts[1].prefix, "/assets/");
  EXPECT_EQ(config_.mounts[1].dir, assets);
  EXPECT_TRUE(config_.serve_hidden);
  EXPECT_TRUE(config_.symlinks_outside_root);
  EXPECT_EQ(config_.open_file_cache_valid_ms, 2500u);
  EXPECT_EQ(config_.open_file_cache_entries, 10u);
  EXPECT_EQ(config_.limits.request_line_bytes, 1000u);
  EXPECT_EQ(config_.limits.header_bytes, 2000u);
  EXPECT_EQ(config_.limits.body_bytes, 0u);
  EXPECT_EQ(config_.limits.header_timeout_ms, 1000u);
  EXPECT_EQ(config_.limits.body_timeout_ms, 250u);
  EXPECT_EQ(config_.limits.keepalive_timeout_ms, 5000u);
  EXPECT_EQ(config_.limits.max_connections, 7);
  EXPECT_EQ(config_.log.error_log, dir_.path() + "/etc/error.log");
  EXPECT_EQ(config_.log.access_log, "/var/log/access.log");
  EXPECT_EQ(config_.log.level, "debug");
  EXPECT_EQ(config_.supervisor.hang_timeout_ms, 4000u);
  EXPECT_EQ(config_.supervisor.shutdown_timeout_ms, 3000u);
  EXPECT_EQ(config_.supervisor.retire_timeout_ms, 60000u);
  EXPECT_EQ(config_.supervisor.heartbeat_interval_ms, 500u);
  EXPECT_EQ(config_.supervisor.max_requests, 100u);
  EXPECT_EQ(config_.supervisor.max_requests_jitter, 10u);
  EXPECT_EQ(config_.supervisor.pid_file, dir_.path() + "/etc/run/hearth.pid");
  EXPECT_TRUE(config_.supervisor.daemon);
  EXPECT_FALSE(config_.gzip.on_the_fly);
  EXPECT_TRUE(config_.gzip.precompressed);
  EXPECT_TRUE(config_.gzip.precompressed_always);
  EXPECT_EQ(config_.gzip.types, std::vector<std::string>{"text/html"});
  EXPECT_EQ(config_.gzip.min_length, 10u);
  EXPECT_EQ(config_.gzip.level, 6);
  EXPECT_EQ(config_.gzip.cache_bytes, 1000u);
  EXPECT_EQ(config_.gzip.stream_above, 2000u);
  EXPECT_EQ(config_.websocket.max_message_bytes, 100u);
  EXPECT_EQ(config_.websocket.idle_timeout_ms, 9000u);
  EXPECT_EQ(config_.websocket.send_buffer_bytes, 200u);
  EXPECT_EQ(config_.status.path, "/server-status");
  EXPECT_TRUE(config_.status.allow.allows("192.0.2.9"));
  EXPECT_FALSE(config_.status.allow.allows("127.0.0.1"));
  EXPECT_TRUE(config_.drills);
  ASSERT_EQ(config_.response_headers.size(), 2u);  // in the file's order
  EXPECT_EQ(config_.response_headers[0], (std::pair<std::string, std::string>("X-Frame-Options", "DENY")));
  EXPECT_EQ(config_.response_headers[1].first, "Server-Timing");
}

// ---- syntax errors: file:line:column

TEST_F(ConfigTest, SyntaxErrorGivesLineAndColumn) {
  EXPECT_EQ(load("{\n  \"workers\": 2,\n  \"listen\": tru\n}\n"),
            at("3:16: syntax error: invalid literal; last read: '\"listen\": tru\\n'"));
}

TEST_F(ConfigTest, MissingCommaIsPointedAtAndNamed) {
  EXPECT_EQ(load("{\n  \"workers\": 2\n  \"listen\": \":80\"\n}\n"),
            at("3:10: syntax error: unexpected string literal; expected '}' (is a comma missing?)"));
}

TEST_F(ConfigTest, RawNewlineInAStringIsASyntaxError) {
  std::string error = load("{\n  \"root\": \"abc\n\"}");
  EXPECT_EQ(error.substr(0, error.find(" syntax")), at("2:15:"));
  EXPECT_NE(error.find("control character U+000A"), std::string::npos) << error;
}

TEST_F(ConfigTest, TruncatedFileIsASyntaxErrorAtItsEnd) {
  EXPECT_EQ(load("{\n  \"workers\": 1,\n"),
            at("2:16: syntax error: unexpected end of input; expected string literal"));
  EXPECT_EQ(load(""), at("1:1: syntax error: unexpected end of input; expected '[', '{', or a literal"));
}

TEST_F(ConfigTest, TrailingTextIsASyntaxError) {
  std::string error = load("{}\n}\n");
  EXPECT_EQ(error.substr(0, error.find(" syntax")), at("2:1:")) << error;
}

TEST_F(ConfigTest, CommentsAreAllowed) {
  ASSERT_EQ(load("// the demo\n{\n  /* two */ \"workers\": 2\n}\n"), "");
  EXPECT_EQ(config_.workers, 2);
}

TEST_F(ConfigTest, TopLevelMustBeAnObject) {
  EXPECT_EQ(load("[1, 2]"), at("1: expected a JSON object at the top level, got a list"));
}

// ---- wrong values: file:line: key.path: what

TEST_F(ConfigTest, WrongTypeNamesNestedKeyAndItsLine) {
  EXPECT_EQ(load(R"({
  "listen": ":3000",
  "workers": 2,
  "index": ["index.html"],
  "log": {
    "level": "info",
    "error": "stderr"
  },
  "limits": {
    "request_line_bytes": 4096,

    "header_bytes": "big",
    "body_bytes": 10
  }
})"),
            at("12: limits.header_bytes: expected a size (bytes, or a number with k, m or g: \"64k\", "
               "\"1m\"), got \"big\""));
}

TEST_F(ConfigTest, LinesStayRightAfterNumbersCommentsAndEscapedNewlines) {
  EXPECT_EQ(load("{\n\"workers\": 2\n,\n\"index\": [\"a\\nb\"],\n"
                 "// \"limits\": 1\n\"limits\": {\"body_bytes\": 1,\n\n \"body_timeout\": -1}}"),
            at("8: limits.body_timeout: must be from 0.001 to 31536000 seconds, got -1"));
}

TEST_F(ConfigTest, ValueInAListIsReportedAtItsKey) {
  EXPECT_EQ(load("{\n  \"index\": [\n    \"index.html\",\n    3\n  ]\n}"),
            at("2: index[1]: expected a string, got 3"));
}

TEST_F(ConfigTest, SizesTakeNginxSuffixes) {
  ASSERT_EQ(load(R"({"limits": {"body_bytes": "10m", "header_bytes": "16K"},
      "gzip": {"cache_bytes": "1g", "min_length": "0"}, "websocket": {"max_message_bytes": 4096}})"),
            "");
  EXPECT_EQ(config_.limits.body_bytes, 10u << 20);
  EXPECT_EQ(config_.limits.header_bytes, 16u << 10);
  EXPECT_EQ(config_.gzip.cache_bytes, size_t{1} << 30);
  EXPECT_EQ(config_.gzip.min_length, 0u);
  EXPECT_EQ(config_.websocket.max_message_bytes, 4096u);
}

TEST_F(ConfigTest, OutOfRangeValues) {
  EXPECT_EQ(load(R"({"gzip": {"level": 10}})"), at("1: gzip.level: must be from 1 to 9, got 10"));
  EXPECT_EQ(load(R"({"limits": {"max_connections": 0}})"),
            at("1: limits.max_connections: must be from 1 to 1000000, got 0"));
  EXPECT_EQ(load(R"({"limits": {"header_timeout": 0}})"),
            at("1: limits.header_timeout: must be at least 0.001 seconds, got 0"));
  EXPECT_EQ(load(R"({"limits": {"body_bytes": 1.5}})"),
            at("1: limits.body_bytes: expected a size (bytes, or a number with k, m or g: \"64k\", "
               "\"1m\"), got 1.5"));
  EXPECT_EQ(load(R"({"limits": {"body_bytes": "2t"}})"),
            at("1: limits.body_bytes: expected a size (bytes, or a number with k, m or g: \"64k\", "
               "\"1m\"), got \"2t\""));
  EXPECT_EQ(load(R"({"limits": {"header_bytes": "0k"}})"),
            at("1: limits.header_bytes: must be from 1 to 1099511627776 bytes, got \"0k\""));
  EXPECT_EQ(load(R"({"drills": "yes"})"), at("1: drills: expected true or false, got \"yes\""));
  EXPECT_EQ(load(R"({"log": {"level": "verbose"}})"),
            at("1: log.level: expected one of \"trace\", \"debug\", \"info\", \"warn\", \"error\", "
               "\"critical\" or \"off\", got \"verbose\""));
  EXPECT_EQ(load(R"({"hidden_files": "yes"})"),
            at("1: hidden_files: expected \"deny\" or \"allow\", got \"yes\""));
  EXPECT_EQ(load(R"({"limits": []})"), at("1: limits: expected an object, got a list"));
}

TEST_F(ConfigTest, ZeroIsAllowedWhereItMeansOff) {
  ASSERT_EQ(load(R"({"open_file_cache": {"valid": 0, "entries": 0}, "limits": {"body_bytes": 0}})"), "");
  EXPECT_EQ(config_.open_file_cache_valid_ms, 0u);
  EXPECT_EQ(config_.open_file_cache_entries, 0u);
}

TEST_F(ConfigTest, RulesBetweenKeys) {
  EXPECT_EQ(load(R"({"limits": {"request_line_bytes": 20000}})"),
            at("1: limits.request_line_bytes: 20000 is larger than limits.header_bytes (16384), "
               "which includes the request line"));
  EXPECT_EQ(load("{\"supervisor\": {\n\"heartbeat_interval\": 2.5, \"hang_timeout\": 2}}"),
            at("2: supervisor.heartbeat_interval: 2.5 s must be shorter than supervisor.hang_timeout (2 s)"));
}

// ---- unknown and duplicate keys

TEST_F(ConfigTest, UnknownKeySuggestsTheCloseMatch) {
  EXPECT_EQ(load("{\n  \"listen\": \":3000\",\n\n  \"wrokers\": 2\n}"),
            at("4: unknown key \"wrokers\" (did you mean \"workers\"?)"));
}

TEST_F(ConfigTest, UnknownNestedKeyGivesItsPath) {
  EXPECT_EQ(load("{\n  \"limits\": {\n    \"header_byte\": 1\n  }\n}"),
            at("3: unknown key \"limits.header_byte\" (did you mean \"header_bytes\"?)"));
}

TEST_F(ConfigTest, UnknownKeyWithNothingCloseHasNoSuggestion) {
  EXPECT_EQ(load(R"({"colour": "blue"})"), at("1: unknown key \"colour\""));
}

TEST_F(ConfigTest, DuplicateKeyIsAnError) {
  EXPECT_EQ(load("{\n  \"gzip\": {\n    \"level\": 2,\n    \"level\": 3\n  }\n}"),
            at("4: duplicate key \"gzip.level\" (first on line 3)"));
}

TEST_F(ConfigTest, FailedLoadLeavesTheConfigAlone) {
  ASSERT_EQ(load(R"({"workers": 4})"), "");
  EXPECT_NE(load(R"({"workers": 5, "bad": 1})"), "");
  EXPECT_EQ(config_.workers, 4);
}

TEST_F(ConfigTest, MissingFileAndFolderAreNamed) {
  Config config;
  std::string error;
  std::string missing = dir_.path() + "/nope.json";
  EXPECT_FALSE(load_config(missing, &config, &error));
  EXPECT_EQ(error, missing + ": cannot open: No such file or directory");
  EXPECT_FALSE(load_config(dir_.path(), &config, &error));
  EXPECT_EQ(error, dir_.path() + ": is a folder, not a config file");
}

// ---- paths

TEST_F(ConfigTest, RelativePathsResolveAgainstTheFilesFolder) {
  dir_.make_dir("site");
  ASSERT_EQ(load(R"({"root": "../site", "log": {"error": "logs/e.log", "access": "../a.log"},
                     "supervisor": {"pid_file": "h.pid"}})"),
            "");
  EXPECT_EQ(config_.root, dir_.path() + "/site");
  EXPECT_EQ(config_.log.error_log, dir_.path() + "/etc/logs/e.log");  // need not exist
  EXPECT_EQ(config_.log.access_log, dir_.path() + "/a.log");
  EXPECT_EQ(config_.supervisor.pid_file, dir_.path() + "/etc/h.pid");
}

TEST_F(ConfigTest, LogKeywordsAreNotPaths) {
  ASSERT_EQ(load(R"({"log": {"error": "off", "access": "stderr"}})"), "");
  EXPECT_EQ(config_.log.error_log, "off");
  EXPECT_EQ(config_.log.access_log, "stderr");
}

TEST_F(ConfigTest, RootMustBeAnExistingFolder) {
  EXPECT_EQ(load("{\n  \"root\": \"../nope\"\n}"),
            at("2: root: no such folder: " + dir_.path() + "/nope"));
  dir_.write("plain.txt", "x");
  EXPECT_EQ(load(R"({"root": "../plain.txt"})"), at("1: root: not a folder: " + dir_.path() + "/plain.txt"));
}

TEST_F(ConfigTest, RootIsCanonical) {
  dir_.make_dir("real");
  fs::create_directory_symlink(dir_.path() + "/real", dir_.path() + "/link");
  ASSERT_EQ(load(R"({"root": "../link/"})"), "");
  EXPECT_EQ(config_.root, dir_.path() + "/real");
}

TEST_F(ConfigTest, MountPrefixesAreNormalisedAndSortedLongestFirst) {
  dir_.make_dir("a");
  dir_.make_dir("b");
  ASSERT_EQ(load(R"({"mounts": {"x": "../a", "/x/y": "../b", "/z/": "../a"}})"), "");
  ASSERT_EQ(config_.mounts.size(), 3u);
  EXPECT_EQ(config_.mounts[0].prefix, "/x/y/");
  EXPECT_EQ(config_.mounts[0].dir, dir_.path() + "/b");
  EXPECT_EQ(config_.mounts[1].prefix, "/x/");
  EXPECT_EQ(config_.mounts[2].prefix, "/z/");
}

TEST_F(ConfigTest, BadMounts) {
  dir_.make_dir("a");
  EXPECT_EQ(load(R"({"mounts": {"/": "../a"}})"),
            at("1: mounts[\"/\"]: a mount at \"/\" would cover the whole site; set \"root\" instead"));
  EXPECT_EQ(load(R"({"mounts": {"/a/../b/": "../a"}})"),
            at("1: mounts[\"/a/../b/\"]: bad mount prefix \"/a/../b/\": use plain path segments, as in \"/public/\""));
  EXPECT_EQ(load(R"({"mounts": {"/p": "../a", "/p/": "../a"}})"),
            at("1: mounts[\"/p/\"]: prefix /p/ is mounted twice"));
  EXPECT_EQ(load("{\"mounts\": {\n\"/p/\": \"../missing\"}}"),
            at("2: mounts[\"/p/\"]: no such folder: " + dir_.path() + "/missing"));
  EXPECT_EQ(load(R"({"mounts": ["/p/"]})"),
            at("1: mounts: expected an object of \"/prefix/\": \"folder\", got a list"));
}

// ---- workers, listen, headers

TEST_F(ConfigTest, WorkersAutoIsTheCpuCount) {
  ASSERT_EQ(load(R"({"workers": "auto"})"), "");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  EXPECT_EQ(config_.workers, std::min<long>(std::max<long>(cpus, 1), kMaxWorkers));
  EXPECT_EQ(config_.workers, auto_worker_count());
}

TEST_F(ConfigTest, WorkersOutsideTheRange) {
  EXPECT_EQ(load(R"({"workers": 0})"), at("1: workers: must be from 1 to 256, got 0"));
  EXPECT_EQ(load(R"({"workers": 257})"), at("1: workers: must be from 1 to 256, got 257"));
  EXPECT_EQ(load(R"({"workers": "many"})"),
            at("1: workers: expected \"auto\" or an integer from 1 to 256, got \"many\""));
}

TEST_F(ConfigTest, ListenAsStringOrPortNumber) {
  ASSERT_EQ(load(R"({"listen": "[::1]:8443"})"), "");
  EXPECT_EQ(config_.listeners[0].host, "::1");
  EXPECT_EQ(config_.listeners[0].port, 8443);
  ASSERT_EQ(load(R"({"listen": 0})"), "");
  EXPECT_EQ(config_.listeners[0].host, "0.0.0.0");
  EXPECT_EQ(config_.listeners[0].port, 0);
  EXPECT_EQ(load(R"({"listen": "example.com:80"})"),
            at("1: listen: host \"example.com\" is not a numeric IP address (only \"localhost\" and \"*\" are names)"));
}

TEST_F(ConfigTest, ListenAsAListOfListeners) {
  ASSERT_EQ(load(R"({"listen": [":80", {"address": "[::]:443", "hsts": 600,
    "tls": {"cert": "/c.pem", "key": "/k.pem", "handshake_timeout": 2, "min_version": "1.3"}},
    {"address": "127.0.0.1:8080", "redirect_to_https": true}]})"), "");
  ASSERT_EQ(config_.listeners.size(), 3u);
  EXPECT_EQ(config_.listeners[0].port, 80);
  EXPECT_FALSE(config_.listeners[0].tls);
  const ListenConfig& https = config_.listeners[1];
  EXPECT_EQ(https.host, "::");
  EXPECT_EQ(https.port, 443);
  EXPECT_TRUE(https.tls);
  EXPECT_EQ(https.hsts, "max-age=600");
  ASSERT_EQ(https.tls_config.certificates.size(), 1u);
  EXPECT_EQ(https.tls_config.certificates[0].cert, "/c.pem");
  EXPECT_EQ(https.tls_config.certificates[0].key, "/k.pem");
  EXPECT_EQ(https.tls_config.handshake_timeout_ms, 2000u);
  EXPECT_EQ(https.tls_config.min_version, "1.3");
  EXPECT_TRUE(config_.listeners[2].redirect_to_https);
  ASSERT_EQ(load(R"({"listen": [{"address": ":443", "tls": {"certificates":
    [{"cert": "/a.pem", "key": "/a.key"}, {"cert": "/b.pem", "key": "/b.key"}]}}]})"), "");
  ASSERT_EQ(config_.listeners[0].tls_config.certificates.size(), 2u);
  EXPECT_EQ(config_.listeners[0].tls_config.certificates[1].key, "/b.key");
}

TEST_F(ConfigTest, ListenErrorsNameTheListener) {
  EXPECT_EQ(load(R"({"listen": [":80", ":80"]})"), at("1: listen[1]: 0.0.0.0 port 80 is listed twice"));
  EXPECT_EQ(load(R"({"listen": [{"tls": {"cert": "/c", "key": "/k"}}]})"), at("1: listen[0]: \"address\" is missing"));
  EXPECT_EQ(load(R"({"listen": [{"address": ":443", "tls": {"cert": "/c"}}]})"),
            at("1: listen[0].tls: \"key\" is missing"));
  EXPECT_EQ(load(R"({"listen": [{"address": ":443", "redirect_to_https": true, "tls": {"cert": "/c", "key": "/k"}}]})"),
            at("1: listen[0]: redirect_to_https is for a plain http:// listener, this one has tls"));
  EXPECT_EQ(load(R"({"listen": [{"address": ":443", "hsts": "1 year", "tls": {"cert": "/c", "key": "/k"}}]})"),
            at("1: listen[0].hsts: expected seconds or a \"max-age=N...\" header value, got \"1 year\""));
}

TEST_F(ConfigTest, ResponseHeadersAreChecked) {
  EXPECT_EQ(load(R"({"response_headers": {"X Bad": "1"}})"),
            at("1: response_headers[\"X Bad\"]: not a valid header name"));
  EXPECT_EQ(load(R"({"response_headers": {"Content-Length": "1"}})"),
            at("1: response_headers.Content-Length: is set by the server and cannot be configured"));
  EXPECT_EQ(load(R"({"response_headers": {"X-A": "a\r\nX-B: b"}})"),
            at("1: response_headers.X-A: value contains a control character"));
  EXPECT_EQ(load(R"({"response_headers": {"X-A": 1}})"),
            at("1: response_headers.X-A: expected a string, got 1"));
}

TEST_F(ConfigTest, GzipPrecompressedTakesTrueFalseOrAlways) {
  ASSERT_EQ(load(R"({"gzip": {"precompressed": false}})"), "");
  EXPECT_FALSE(config_.gzip.precompressed);
  EXPECT_FALSE(config_.gzip.precompressed_always);
  EXPECT_EQ(load(R"({"gzip": {"precompressed": "sometimes"}})"),
            at("1: gzip.precompressed: expected true, false or \"always\", got \"sometimes\""));
  EXPECT_EQ(load(R"({"gzip": {"types": ["html"]}})"),
            at("1: gzip.types: entry \"html\" is not a media type like \"text/*\""));
}

TEST(ParseListen, AcceptedForms) {
  struct Case {
    const char* text;
    const char* host;
    int port;
  } cases[] = {
      {"0.0.0.0:3000", "0.0.0.0", 3000}, {"127.0.0.1:80", "127.0.0.1", 80},
      {"[::1]:8080", "::1", 8080},       {"[::]:0", "::", 0},
      {":65535", "0.0.0.0", 65535},      {"3000", "0.0.0.0", 3000},
      {"*:81", "0.0.0.0", 81},           {"localhost:82", "127.0.0.1", 82},
  };
  for (const Case& c : cases) {
    std::string host, error;
    int port = -1;
    EXPECT_TRUE(parse_listen(c.text, &host, &port, &error)) << c.text << ": " << error;
    EXPECT_EQ(host, c.host) << c.text;
    EXPECT_EQ(port, c.port) << c.text;
  }
}

TEST(ParseListen, RefusedForms) {
  for (const char* text : {"", ":", "65536", ":-1", "1.2.3.4", "1.2.3.4:", "1.2.3.4:8x", "::1:80",
                           "[::1]", "[::1]80", "[1.2.3.4]:80", "999.1.1.1:80", "host:80", "+80"}) {
    std::string host = "unchanged", error;
    int port = -1;
    EXPECT_FALSE(parse_listen(text, &host, &port, &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
    EXPECT_EQ(host, "unchanged") << text;
    EXPECT_EQ(port, -1) << text;
  }
}

TEST(ParseListen, MessagesSayWhatIsWrong) {
  std::string host, error;
  int port;
  EXPECT_FALSE(parse_listen("::1:80", &host, &port, &error));
  EXPECT_EQ(error, "IPv6 addresses need brackets, as in \"[::1]:3000\", got \"::1:80\"");
  EXPECT_FALSE(parse_listen(":70000", &host, &port, &error));
  EXPECT_EQ(error, "expected HOST:PORT, [IPV6]:PORT, :PORT or PORT with PORT from 0 to 65535, got \":70000\"");
}

TEST(LogLevels, KnownNames) {
  for (const char* name : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_TRUE(is_log_level(name)) << name;
  }
  EXPECT_FALSE(is_log_level("warning"));
  EXPECT_FALSE(is_log_level("INFO"));
}

TEST(DemoConfig, TheShippedFileIsValidJsonWithTheDocumentedShape) {
  // etc/hearth.json points at ../site, which the demo provides; here only
  // its keys and values are checked, against a copy whose root exists.
  std::ifstream in("etc/hearth.json");
  ASSERT_TRUE(in) << "run the tests from the repository root";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  TempDir dir;
  dir.make_dir("site/public");
  std::string file = dir.write("etc/hearth.json", text);
  Config config;
  std::string error;
  ASSERT_TRUE(load_config(file, &config, &error)) << error;
  EXPECT_EQ(config.listeners[0].port, 3000);
  EXPECT_EQ(config.workers, auto_worker_count());
  EXPECT_EQ(config.root, dir.path() + "/site");
  ASSERT_EQ(config.mounts.size(), 1u);
  EXPECT_EQ(config.mounts[0].prefix, "/public/");
  EXPECT_EQ(config.mounts[0].dir, dir.path() + "/site/public");
  EXPECT_EQ(config.log.access_log, "stderr");
  EXPECT_FALSE(config.drills);
  EXPECT_EQ(config.status.path, "") << "the demo keeps /status off";
}

}  // namespace
}  // namespace hearth

namespace hearth {
namespace {

TEST_F(ConfigTest, UpstreamSectionLoads) {
  ASSERT_EQ(load(R"({"upstream": {
    "servers": ["127.0.0.1:8080", "[::1]:9000", "unix:/run/app.sock", "localhost:7000"],
    "command": ["./app", "-addr", "127.0.0.1:{port}"], "instances": 3, "ready": "/health",
    "environment": {"MODE": "prod"}, "connect_timeout": 0.5, "first_byte_timeout": 2,
    "keepalive": 8, "tries": 2, "max_body": "10m"}})"),
            "");
  const UpstreamConfig& u = config_.upstream;
  ASSERT_EQ(u.servers.size(), 4u);
  EXPECT_EQ(u.servers[0].host, "127.0.0.1");
  EXPECT_EQ(u.servers[0].port, 8080);
  EXPECT_EQ(u.servers[1].host, "::1");
  EXPECT_EQ(u.servers[2].socket_path, "/run/app.sock");
  EXPECT_EQ(u.servers[3].host, "127.0.0.1");
  EXPECT_EQ(u.command.size(), 3u);
  EXPECT_EQ(u.instances, 3);
  EXPECT_EQ(u.ready, "/health");
  EXPECT_EQ(u.environment.at(0).second, "prod");
  EXPECT_EQ(u.connect_timeout_ms, 500u);
  EXPECT_EQ(u.first_byte_timeout_ms, 2000u);
  EXPECT_EQ(u.keepalive, 8);
  EXPECT_EQ(u.tries, 2);
  EXPECT_EQ(u.max_body_bytes, 10u << 20);
  EXPECT_EQ(u.directory, dir_.path() + "/etc");
  EXPECT_TRUE(u.enabled());
  EXPECT_TRUE(u.supervised());
  EXPECT_FALSE(u.uses_socket());
}

TEST_F(ConfigTest, UpstreamErrorsNameTheLineAndKey) {
  EXPECT_EQ(load("{\n\"upstream\": {\n  \"servers\": [\"127.0.0.1\"]}}"),
            at("3: upstream.servers[0]: expected \"HOST:PORT\", \"[IPV6]:PORT\" or \"unix:/path\", got "
               "\"127.0.0.1\""));
  EXPECT_EQ(load("{\"upstream\": {\"servers\": [\"unix:run.sock\"]}}"),
            at("1: upstream.servers[0]: a unix socket needs an absolute path, as in \"unix:/run/app.sock\", got "
               "\"unix:run.sock\""));
  EXPECT_EQ(load("{\"upstream\": {\"proxy_pass\": \"x\"}}"), at("1: unknown key \"upstream.proxy_pass\""));
  EXPECT_EQ(load("{\"upstream\": {\"instances\": 0}}"), at("1: upstream.instances: must be from 1 to 64, got 0"));
  EXPECT_EQ(load("{\"upstream\": {\"command\": []}}"),
            at("1: upstream.command: expected a program and its arguments"));
  EXPECT_EQ(load("{\"upstream\": {\"ready\": \"health\"}}").substr(0, file_.size() + 19),
            at("1: upstream.ready:"));
}

TEST_F(ConfigTest, NoUpstreamSectionMeansNoUpstream) {
  ASSERT_EQ(load("{}"), "");
  EXPECT_FALSE(config_.upstream.enabled());
}

}  // namespace
}  // namespace hearth
