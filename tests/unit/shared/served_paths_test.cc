// The served-path check: a root or mount that holds the config, the pid
// file or a log is refused, with the folder, the file and the fix named.
#include "shared/served_paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/support/temp_dir.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;

class ServedPathsTest : public ::testing::Test {
 protected:
  ServedPathsTest() : top_(fs::canonical(dir_.path()).string()) {
    dir_.mkdir("site/public");
    dir_.mkdir("etc");
    dir_.mkdir("run");
    dir_.mkdir("assets");
    config_.file = top_ + "/etc/hearth.json";
    config_.root = top_ + "/site";
    config_.log.error_log = "stderr";
    config_.log.access_log = "off";
  }
  std::string check(const std::string& root_name = "root") {
    std::string error;
    return check_served_paths(config_, root_name, &error) ? "" : error;
  }

  test::TempDir dir_;
  std::string top_;
  Config config_;
};

TEST_F(ServedPathsTest, FilesOutsideTheServedFoldersPass) {
  config_.supervisor.pid_file = top_ + "/run/hearth.pid";
  config_.log.error_log = top_ + "/logs/error.log";  // a folder that does not exist yet
  config_.log.access_log = top_ + "/logs/access.log";
  config_.mounts = {{"/public/", top_ + "/assets"}};
  EXPECT_EQ(check(), "");
}

TEST_F(ServedPathsTest, NoRootAndDefaultsPass) {
  Config defaults;
  std::string error;
  EXPECT_TRUE(check_served_paths(defaults, "root", &error)) << error;
  config_.root.clear();
  config_.supervisor.pid_file = top_ + "/site/run.pid";  // nothing serves site/ now
  EXPECT_EQ(check(), "");
}

TEST_F(ServedPathsTest, RootHoldingThePidFileIsRefused) {
  config_.supervisor.pid_file = top_ + "/site/run.pid";
  EXPECT_EQ(check(), config_.file + ": root \"" + top_ + "/site\" contains the pid file " + top_ +
                         "/site/run.pid; hearth would serve it (move it, or set root to a folder of public "
                         "files only)");
  EXPECT_NE(check("--root").find(": --root \"" + top_ + "/site\" contains the pid file"), std::string::npos);
}

TEST_F(ServedPathsTest, RootHoldingTheConfigIsRefused) {
  config_.root = top_ + "/etc";
  EXPECT_EQ(check(), config_.file + ": root \"" + top_ + "/etc\" contains the config file " + config_.file +
                         "; hearth would serve it (move it, or set root to a folder of public files only)");
}

TEST_F(ServedPathsTest, LogsAnywhereBelowTheRootAreRefused) {
  config_.log.access_log = top_ + "/site/public/logs/access.log";  // its folder need not exist
  EXPECT_NE(check().find("contains the access log " + top_ + "/site/public/logs/access.log;"), std::string::npos);
  config_.log.access_log = "off";
  config_.log.error_log = top_ + "/site/error.log";
  EXPECT_NE(check().find("contains the error log " + top_ + "/site/error.log;"), std::string::npos);
}

TEST_F(ServedPathsTest, RootAboveEverythingIsRefused) {
  config_.root = "/";
  config_.supervisor.pid_file = top_ + "/run/hearth.pid";
  EXPECT_NE(check().find("root \"/\" contains the config file"), std::string::npos);
}

TEST_F(ServedPathsTest, MountHoldingALogIsRefused) {
  config_.mounts = {{"/public/", top_ + "/assets"}};
  config_.log.access_log = top_ + "/assets/access.log";
  EXPECT_EQ(check(), config_.file + ": mounts[\"/public/\"] \"" + top_ + "/assets\" contains the access log " +
                         top_ + "/assets/access.log; hearth would serve it (move it, or mount a folder of "
                         "public files only)");
}

TEST_F(ServedPathsTest, SymlinkedFoldersAreSeenThrough) {
  fs::create_directory_symlink(top_ + "/site", top_ + "/link");
  config_.supervisor.pid_file = top_ + "/link/hearth.pid";
  EXPECT_NE(check().find("contains the pid file " + top_ + "/link/hearth.pid;"), std::string::npos);
}

TEST_F(ServedPathsTest, ASiblingWithACommonPrefixIsNotInside) {
  dir_.mkdir("site2");
  config_.supervisor.pid_file = top_ + "/site2/hearth.pid";
  EXPECT_EQ(check(), "");
}

TEST_F(ServedPathsTest, BuiltInDefaultsNameNoFile) {
  config_.file.clear();
  config_.supervisor.pid_file = top_ + "/site/run.pid";
  EXPECT_EQ(check().rfind("root \"", 0), 0u) << check();
}

}  // namespace
}  // namespace hearth
