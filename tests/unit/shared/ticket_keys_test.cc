#include "shared/ticket_keys.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(TicketKeys, RotationKeepsTheOldKeysBehindTheNewOne) {
  std::string error;
  auto keys = TicketKeys::create(&error);
  ASSERT_TRUE(keys) << error;
  TicketKey before[TicketKeys::kKeys], after[TicketKeys::kKeys];
  ASSERT_TRUE(keys->snapshot(before));
  ASSERT_TRUE(keys->rotate(&error)) << error;
  ASSERT_TRUE(keys->snapshot(after));
  EXPECT_NE(memcmp(after[0].name, before[0].name, sizeof before[0].name), 0) << "a new current key";
  EXPECT_EQ(memcmp(&after[1], &before[0], sizeof(TicketKey)), 0) << "the old one still decrypts";
}

// Workers are forked: what the master rotates afterwards, they see.
TEST(TicketKeys, AForkedProcessSeesTheMastersRotation) {
  std::string error;
  auto keys = TicketKeys::create(&error);
  ASSERT_TRUE(keys) << error;
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  if (child == 0) {
    char go;
    if (read(pipe_fds[0], &go, 1) != 1) _exit(2);
    TicketKey seen[TicketKeys::kKeys];
    if (!keys->snapshot(seen)) _exit(3);
    if (write(pipe_fds[1], seen[0].name, sizeof seen[0].name) < 0) _exit(4);
    _exit(0);
  }
  ASSERT_TRUE(keys->rotate(&error)) << error;
  TicketKey now[TicketKeys::kKeys];
  ASSERT_TRUE(keys->snapshot(now));
  ASSERT_EQ(write(pipe_fds[1], "g", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  uint8_t name[16];
  ASSERT_EQ(read(pipe_fds[0], name, sizeof name), static_cast<ssize_t>(sizeof name));
  EXPECT_EQ(memcmp(name, now[0].name, sizeof name), 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

}  // namespace
}  // namespace hearth
