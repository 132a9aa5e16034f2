#include "master/listen_socket.h"

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

}  // namespace
}  // namespace hearth
