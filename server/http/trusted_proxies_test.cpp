#include "server/http/trusted_proxies.h"

#include <gtest/gtest.h>

namespace rmgr::server::http {
namespace {

TrustedProxies Must(std::string_view list) {
  auto parsed = TrustedProxies::Parse(list);
  EXPECT_TRUE(parsed.ok()) << list;
  return parsed.ok() ? *parsed : TrustedProxies{};
}

TEST(TrustedProxies, ParsesNetworksAndHostsAndNamesABadEntry) {
  const auto proxies = Must(" 10.0.0.0/8, 192.168.1.5 ,::1/128, fd00::/8,");
  const auto at = [](const char* text) { return boost::asio::ip::make_address(text); };
  EXPECT_TRUE(proxies.Contains(at("10.1.2.3")));
  EXPECT_FALSE(proxies.Contains(at("11.0.0.1")));
  EXPECT_TRUE(proxies.Contains(at("192.168.1.5")));
  EXPECT_FALSE(proxies.Contains(at("192.168.1.6")));
  EXPECT_TRUE(proxies.Contains(at("::1")));
  EXPECT_TRUE(proxies.Contains(at("fd12:3456::1")));
  EXPECT_FALSE(proxies.Contains(at("fe80::1")));
  EXPECT_TRUE(proxies.Contains(at("::ffff:10.0.0.7"))) << "a dual-stack socket's mapped IPv4";
  EXPECT_TRUE(Must("").empty());
  for (const char* bad : {"10.0.0.0/33", "proxy.lan", "10.0.0", "::1/129", "1.2.3.4/8/1"}) {
    auto parsed = TrustedProxies::Parse(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().field, "trusted_proxies");
    EXPECT_NE(parsed.error().message.find(bad), std::string::npos) << parsed.error().message;
  }
}

TEST(TrustedProxies, WalksForwardedForRightToLeftThroughTrustedHopsOnly) {
  const auto proxies = Must("127.0.0.1, 10.0.0.0/8");
  // Direct from a client: the header is the client's own words, ignored.
  EXPECT_EQ(proxies.ClientAddress("203.0.113.9", "198.51.100.1"), "203.0.113.9");
  // One trusted proxy: the address it added.
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", "203.0.113.9"), "203.0.113.9");
  // Two trusted hops, and a value the client forged in front: never used.
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.2"), "203.0.113.9");
  // Every hop trusted: the leftmost is as far as anyone vouches.
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", "10.0.0.3,10.0.0.2"), "10.0.0.3");
  // No header, an empty one, or garbage where the client should be.
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", ""), "127.0.0.1");
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", "  "), "127.0.0.1");
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", "unknown"), "127.0.0.1");
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", "junk, 10.0.0.2"), "10.0.0.2");
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", ",203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", ",10.0.0.2"), "10.0.0.2");
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", "10.0.0.2,,"), "127.0.0.1")
      << "an empty last hop is unreadable";
  EXPECT_EQ(proxies.ClientAddress("127.0.0.1", "2001:db8::7"), "2001:db8::7");
  // Nobody trusted: the peer, whatever the header says.
  EXPECT_EQ(TrustedProxies{}.ClientAddress("127.0.0.1", "203.0.113.9"), "127.0.0.1");
}

}  // namespace
}  // namespace rmgr::server::http
