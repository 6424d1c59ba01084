#include "server/app/tls_mode.h"

#include <gtest/gtest.h>

#include "server/app/server_config.h"

namespace rmgr::server {
namespace {

ServerConfig Listening(const std::string& listen) {
  ServerConfig config;
  config.listen = listen;
  return config;
}

TEST(TlsMode, LoopbackClassification) {
  for (const char* host : {"127.0.0.1", "127.8.9.10", "::1", "localhost", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "fe80::1", "backup.example", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
  EXPECT_EQ(ListenHost("[::1]:8080"), "::1");
  EXPECT_EQ(ListenHost("0.0.0.0:443"), "0.0.0.0");
}

TEST(TlsMode, PlainOnLoopbackSelfSignedElsewhereUnlessTheOperatorSaysOtherwise) {
  EXPECT_EQ(*ResolveTlsMode(Listening("127.0.0.1:8080")), TlsMode::kPlain);
  EXPECT_EQ(*ResolveTlsMode(Listening("[::1]:8080")), TlsMode::kPlain);
  EXPECT_EQ(*ResolveTlsMode(Listening("0.0.0.0:8080")), TlsMode::kSelfSigned);
  EXPECT_EQ(*ResolveTlsMode(Listening("192.168.1.10:8080")), TlsMode::kSelfSigned);

  auto insecure = Listening("0.0.0.0:8080");
  insecure.insecure_http = true;
  EXPECT_EQ(*ResolveTlsMode(insecure), TlsMode::kPlain);

  auto self_signed_loopback = Listening("127.0.0.1:8080");
  self_signed_loopback.tls_self_signed = true;
  EXPECT_EQ(*ResolveTlsMode(self_signed_loopback), TlsMode::kSelfSigned);

  auto operator_cert = Listening("0.0.0.0:443");
  operator_cert.tls_cert = "/etc/rm/cert.pem";
  operator_cert.tls_key = "/etc/rm/key.pem";
  EXPECT_EQ(*ResolveTlsMode(operator_cert), TlsMode::kOperatorCertificate);
}

TEST(TlsMode, ContradictoryFlagsAreRefusedNamingTheFlag) {
  auto half = Listening("0.0.0.0:443");
  half.tls_cert = "/etc/rm/cert.pem";
  auto refused = ResolveTlsMode(half);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "tls_key");

  auto both = Listening("0.0.0.0:443");
  both.tls_self_signed = true;
  both.insecure_http = true;
  auto conflict = ResolveTlsMode(both);
  ASSERT_FALSE(conflict);
  EXPECT_NE(conflict.error().message.find("--insecure-http"), std::string::npos);

  auto next_alone = Listening("0.0.0.0:443");
  next_alone.tls_next_cert = "/etc/rm/next.pem";
  EXPECT_FALSE(ResolveTlsMode(next_alone));
}

}  // namespace
}  // namespace rmgr::server
