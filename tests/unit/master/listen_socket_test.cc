#include "master/listen_socket.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(ListenSocket, PortZeroBindsAnEphemeralPort) {
  std::string error;
  int fd = open_listen_socket("127.0.0.1", 0, &error);
  ASSERT_GE(fd, 0) << error;
  std::string addr = bound_address(fd);
  EXPECT_EQ(addr.rfind("127.0.0.1:", 0), 0u) << addr;
  EXPECT_NE(addr, "127.0.0.1:0");
  close(fd);
}

TEST(ListenSocket, PortInUseIsReportedWithTheAddress) {
  std::string error;
  int fd = open_listen_socket("127.0.0.1", 0, &error);
  ASSERT_GE(fd, 0) << error;
  std::string addr = bound_address(fd);
  int port = std::stoi(addr.substr(addr.rfind(':') + 1));
  EXPECT_EQ(open_listen_socket("127.0.0.1", port, &error), -1);
  EXPECT_EQ(error, addr + ": address already in use");
  close(fd);
}

TEST(ListenSocket, BadAddressIsReported) {
  std::string error;
  EXPECT_EQ(open_listen_socket("999.1.1.1", 80, &error), -1);
  EXPECT_EQ(error.rfind("999.1.1.1:80: ", 0), 0u) << error;
  EXPECT_EQ(open_listen_socket("192.0.2.1", 0, &error), -1);  // not ours (TEST-NET-1)
  EXPECT_EQ(error, "192.0.2.1:0: cannot assign requested address");
}

TEST(ListenSocket, FormatsIpv6WithBrackets) {
  EXPECT_EQ(format_address("::1", 80), "[::1]:80");
  EXPECT_EQ(format_address("127.0.0.1", 80), "127.0.0.1:80");
}

// What a new master checks before serving on a socket a binary upgrade passed it.
TEST(ListenSocket, TellsWhichAddressAnInheritedSocketIsBoundTo) {
  std::string error;
  int fd = open_listen_socket("127.0.0.1", 0, &error);
  ASSERT_GE(fd, 0) << error;
  std::string addr = bound_address(fd);
  int port = std::stoi(addr.substr(addr.rfind(':') + 1));
  EXPECT_TRUE(is_listening_socket(fd));
  EXPECT_TRUE(bound_to(fd, "127.0.0.1", port));
  EXPECT_TRUE(bound_to(fd, "127.0.0.1", 0)) << "port 0 in the config: any port";
  EXPECT_FALSE(bound_to(fd, "127.0.0.1", port == 65535 ? 1 : port + 1));
  EXPECT_FALSE(bound_to(fd, "0.0.0.0", port));
  EXPECT_FALSE(bound_to(fd, "::1", port));
  EXPECT_FALSE(bound_to(fd, "not an address", port));
  close(fd);
  int v6 = open_listen_socket("::1", 0, &error);
  if (v6 >= 0) {  // no IPv6 loopback in some containers
    EXPECT_TRUE(bound_to(v6, "::1", 0));
    EXPECT_TRUE(bound_to(v6, "0:0::1", 0)) << "compared as addresses, not text";
    EXPECT_FALSE(bound_to(v6, "127.0.0.1", 0));
    close(v6);
  }
}

TEST(ListenSocket, OnlyAListeningStreamSocketPassesAsOne) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  EXPECT_FALSE(is_listening_socket(sv[0]));
  close(sv[0]);
  close(sv[1]);
  EXPECT_FALSE(is_listening_socket(-1)) << "not even open";
}

}  // namespace
}  // namespace hearth
