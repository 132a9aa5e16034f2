// The allow list of the operator routes: addresses, CIDR blocks, IPv4-mapped
// IPv6, and what it refuses.
#include "shared/address_allow_list.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace hearth {
namespace {

AddressAllowList list_of(std::initializer_list<const char*> entries) {
  AddressAllowList list;
  for (const char* entry : entries) {
    std::string error;
    EXPECT_TRUE(list.add(entry, &error)) << entry << ": " << error;
  }
  return list;
}

TEST(AddressAllowList, LoopbackIsBothFamiliesLoopback) {
  AddressAllowList list = AddressAllowList::loopback();
  EXPECT_TRUE(list.allows("127.0.0.1"));
  EXPECT_TRUE(list.allows("127.8.9.10"));
  EXPECT_TRUE(list.allows("::1"));
  EXPECT_TRUE(list.allows("::ffff:127.0.0.1")) << "a dual-stack socket's IPv4 client";
  EXPECT_FALSE(list.allows("128.0.0.1"));
  EXPECT_FALSE(list.allows("10.0.0.1"));
  EXPECT_FALSE(list.allows("::2"));
  EXPECT_FALSE(list.allows("::ffff:10.0.0.1"));
}

TEST(AddressAllowList, SingleAddressesMatchExactly) {
  AddressAllowList list = list_of({"192.0.2.7", "2001:db8::1"});
  EXPECT_TRUE(list.allows("192.0.2.7"));
  EXPECT_FALSE(list.allows("192.0.2.8"));
  EXPECT_TRUE(list.allows("2001:db8::1"));
  EXPECT_TRUE(list.allows("2001:0db8:0:0::1")) << "any spelling of the same address";
  EXPECT_FALSE(list.allows("2001:db8::2"));
}

TEST(AddressAllowList, CidrBlocks) {
  AddressAllowList list = list_of({"10.0.0.0/8", "172.16.0.0/12", "2001:db8::/32", "::1/128"});
  EXPECT_TRUE(list.allows("10.255.1.2"));
  EXPECT_FALSE(list.allows("11.0.0.1"));
  EXPECT_TRUE(list.allows("172.31.255.255"));
  EXPECT_FALSE(list.allows("172.32.0.0"));
  EXPECT_TRUE(list.allows("2001:db8:ffff::9"));
  EXPECT_FALSE(list.allows("2001:db9::9"));
  EXPECT_TRUE(list.allows("::1"));
  EXPECT_FALSE(list.allows("127.0.0.1")) << "an IPv6 entry does not cover IPv4 clients";
}

TEST(AddressAllowList, OddPrefixLengthsAndHostBits) {
  AddressAllowList list = list_of({"192.168.1.128/25", "10.1.2.3/8", "0.0.0.0/0"});
  EXPECT_TRUE(list.allows("192.168.1.200"));
  EXPECT_TRUE(list.allows("10.9.9.9")) << "bits below the prefix are ignored";
  AddressAllowList quarter = list_of({"192.168.1.128/26"});
  EXPECT_TRUE(quarter.allows("192.168.1.191"));
  EXPECT_FALSE(quarter.allows("192.168.1.192"));
  EXPECT_FALSE(quarter.allows("192.168.1.127"));
  AddressAllowList everyone = list_of({"0.0.0.0/0"});
  EXPECT_TRUE(everyone.allows("203.0.113.1"));
  EXPECT_FALSE(everyone.allows("::1"));
}

TEST(AddressAllowList, MappedEntriesAreTheirIpv4Form) {
  AddressAllowList list = list_of({"::ffff:127.0.0.1", "::ffff:10.0.0.0/104"});
  EXPECT_TRUE(list.allows("127.0.0.1"));
  EXPECT_TRUE(list.allows("::ffff:127.0.0.1"));
  EXPECT_TRUE(list.allows("10.20.30.40"));
  EXPECT_FALSE(list.allows("127.0.0.2"));
  EXPECT_FALSE(list.allows("11.0.0.1"));
}

TEST(AddressAllowList, EmptyListAllowsNobody) {
  AddressAllowList list;
  EXPECT_TRUE(list.empty());
  EXPECT_FALSE(list.allows("127.0.0.1"));
}

TEST(AddressAllowList, UnparsableClientsAreNeverAllowed) {
  AddressAllowList list = list_of({"0.0.0.0/0", "::/0"});
  for (const char* text : {"", "-", "localhost", "127.0.0.1:80", "1.2.3", "::1%lo", " 127.0.0.1"}) {
    EXPECT_FALSE(list.allows(text)) << text;
  }
}

TEST(AddressAllowList, BadEntriesAreRefusedWithAMessage) {
  AddressAllowList list;
  std::string error;
  EXPECT_FALSE(list.add("localhost", &error));
  EXPECT_EQ(error, "\"localhost\" is not an IP address or CIDR block (\"127.0.0.1\", \"10.0.0.0/8\", \"::1\")");
  EXPECT_FALSE(list.add("10.0.0.0/33", &error));
  EXPECT_EQ(error, "\"10.0.0.0/33\": the prefix length after '/' must be from 0 to 32");
  EXPECT_FALSE(list.add("::1/129", &error));
  EXPECT_EQ(error, "\"::1/129\": the prefix length after '/' must be from 0 to 128");
  for (const char* bad : {"10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/8/8", "", "/8", "10.0.0.0 /8"}) {
    EXPECT_FALSE(list.add(bad, &error)) << bad;
  }
  EXPECT_FALSE(list.add("::ffff:10.0.0.0/64", &error));
  EXPECT_EQ(error, "\"::ffff:10.0.0.0/64\": an IPv4-mapped block needs a prefix length of 96 or more");
  EXPECT_TRUE(list.empty());
}

}  // namespace
}  // namespace hearth
