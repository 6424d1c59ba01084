// Enroll against a canned HTTP server on 127.0.0.1 (FakeAgentServer), and
// the uname(2) helper.

#include "agent/connection/enroll_client.h"

#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include "agent/connection/fake_agent_server.h"
#include "agent/connection/log_capture.h"

namespace rmgr::agent {
namespace {

using testing::FakeAgentServer;
using testing::LogCapture;

constexpr std::string_view kEnrollmentToken = "rme_one-time-enrollment-5ecret";
constexpr std::string_view kHostToken = "rmh_host-5ecret-for-the-websocket";

class EnrollTest : public ::testing::Test {
 protected:
  EnrollRequest Request(std::string server_url) const {
    return EnrollRequest{std::move(server_url),
                         schema::Secret(std::string(kEnrollmentToken)),
                         "web-1",
                         "linux",
                         "amd64",
                         "0.1.0"};
  }

  void TearDown() override {
    EXPECT_EQ(logs.Text().find(kEnrollmentToken), std::string::npos) << logs.Text();
    EXPECT_EQ(logs.Text().find(kHostToken), std::string::npos) << logs.Text();
  }

  FakeAgentServer server;
  LogCapture logs;
};

TEST_F(EnrollTest, PostsTheHostAndReadsItsToken) {
  server.SetHttpReply(201, boost::json::serialize(boost::json::object{
                               {"host_id", "01HZX3P0000000000000000H0S"},
                               {"host_name", "web-1"},
                               {"host_token", kHostToken},
                               {"added_later", true},  // unknown fields are ignored
                           }));
  auto enrolled = Enroll(Request(server.url() + "/"));
  ASSERT_TRUE(enrolled.ok()) << enrolled.error().Describe();
  EXPECT_EQ(enrolled->host_id, "01HZX3P0000000000000000H0S");
  EXPECT_EQ(enrolled->host_name, "web-1");
  EXPECT_EQ(enrolled->host_token.Reveal(), kHostToken);

  const auto requests = server.Snapshot().http_requests;
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/v1/agent/enroll");
  EXPECT_EQ(requests[0].content_type, "application/json");
  EXPECT_EQ(boost::json::parse(requests[0].body), (boost::json::value{
                                                      {"token", kEnrollmentToken},
                                                      {"hostname", "web-1"},
                                                      {"os", "linux"},
                                                      {"arch", "amd64"},
                                                      {"agent_version", "0.1.0"},
                                                  }));
}

TEST_F(EnrollTest, SendsProposedLabelsAndReadsAnExhaustedTokensAnswer) {
  const boost::json::object error{
      {"code", "gone"}, {"message", "enrollment token exhausted (3 of 3 uses)"}, {"field", "token"}};
  server.SetHttpReply(410, boost::json::serialize(boost::json::object{{"error", error}}));
  EnrollRequest request = Request(server.url());
  request.labels = {{"role", "web"}, {"site", "berlin"}};
  auto enrolled = Enroll(request);
  ASSERT_FALSE(enrolled.ok());
  EXPECT_EQ(enrolled.error().code, ErrorCode::kConflict);
  EXPECT_EQ(enrolled.error().message, "enrollment token exhausted (3 of 3 uses)");
  const auto requests = server.Snapshot().http_requests;
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(boost::json::parse(requests[0].body).at("labels"),
            (boost::json::value{{"role", "web"}, {"site", "berlin"}}));
}

TEST_F(EnrollTest, RefusedTokenSurfacesTheServersMessage) {
  server.SetHttpReply(401,
                      R"({"error":{"code":"unauthenticated","message":"enrollment token is already used"}})");
  auto enrolled = Enroll(Request(server.url()));
  ASSERT_FALSE(enrolled.ok());
  EXPECT_EQ(enrolled.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(enrolled.error().message, "enrollment token is already used");
}

TEST_F(EnrollTest, BadRequestNamesTheField) {
  server.SetHttpReply(
      400, R"({"error":{"code":"invalid_argument","message":"must not be empty","field":"hostname"}})");
  auto enrolled = Enroll(Request(server.url()));
  ASSERT_FALSE(enrolled.ok());
  EXPECT_EQ(enrolled.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(enrolled.error().message, "must not be empty");
  EXPECT_EQ(enrolled.error().field, "hostname");
}

TEST_F(EnrollTest, AnswerWithoutTheErrorShapeGivesTheStatus) {
  server.SetHttpReply(503, "<html>maintenance</html>");
  auto enrolled = Enroll(Request(server.url()));
  ASSERT_FALSE(enrolled.ok());
  EXPECT_EQ(enrolled.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(enrolled.error().message, "the server answered HTTP 503");
}

TEST_F(EnrollTest, SuccessWithoutAHostTokenIsMalformed) {
  server.SetHttpReply(201, R"({"host_id":"01HZX3P0000000000000000H0S","host_name":"web-1"})");
  auto enrolled = Enroll(Request(server.url()));
  ASSERT_FALSE(enrolled.ok());
  EXPECT_EQ(enrolled.error().code, ErrorCode::kMalformed);
  EXPECT_NE(enrolled.error().message.find("host_token"), std::string::npos) << enrolled.error().message;
}

TEST_F(EnrollTest, ConnectionRefusedIsUnavailableWithTheReason) {
  // A port that was free a moment ago: nothing listens there.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();

  auto enrolled = Enroll(Request("http://127.0.0.1:" + std::to_string(port)));
  ASSERT_FALSE(enrolled.ok());
  EXPECT_EQ(enrolled.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(enrolled.error().message.find("cannot reach http://127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << enrolled.error().message;
  EXPECT_EQ(enrolled.error().message.find(kEnrollmentToken), std::string::npos);
}

TEST_F(EnrollTest, ARedirectIsNotFollowedAndAnOversizedAnswerIsRefused) {
  server.SetHttpReply(302, "");
  auto redirected = Enroll(Request(server.url()));
  ASSERT_FALSE(redirected.ok());
  EXPECT_NE(redirected.error().message.find("HTTP 302"), std::string::npos) << redirected.error().message;
  EXPECT_EQ(server.Snapshot().http_requests.size(), 1U);

  server.SetHttpReply(201, std::string(2 << 20, 'x'));
  auto huge = Enroll(Request(server.url()));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kMalformed);
  EXPECT_NE(huge.error().message.find("larger than"), std::string::npos) << huge.error().message;
}

TEST_F(EnrollTest, AnHttpsUrlToAPlainServerFailsTheHandshakeAndIsNeverDowngraded) {
  std::string url = server.url();
  url.replace(0, std::string_view("http").size(), "https");
  auto enrolled = Enroll(Request(url));
  ASSERT_FALSE(enrolled.ok());
  EXPECT_EQ(enrolled.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(enrolled.error().message.find("TLS handshake"), std::string::npos) << enrolled.error().message;
  EXPECT_TRUE(server.Snapshot().http_requests.empty()) << "the token went out in clear";
}

TEST_F(EnrollTest, RefusesWebSocketUrlsAndAnEmptyToken) {
  EXPECT_EQ(Enroll(Request("ws://127.0.0.1:1")).error().field, "server_url");
  auto request = Request(server.url());
  request.token = schema::Secret();
  EXPECT_EQ(Enroll(request).error().field, "token");
  EXPECT_TRUE(server.Snapshot().http_requests.empty());
}

TEST(HostInfo, MapsUnameToGoNames) {
  EXPECT_EQ(GoArch("x86_64"), "amd64");
  EXPECT_EQ(GoArch("aarch64"), "arm64");
  EXPECT_EQ(GoArch("riscv64"), "riscv64");

  struct utsname names {};
  ASSERT_EQ(::uname(&names), 0);
  auto info = LocalHostInfo();
  ASSERT_TRUE(info.ok()) << info.error().Describe();
  EXPECT_EQ(info->hostname, names.nodename);
  EXPECT_EQ(info->os, "linux");
  EXPECT_EQ(info->arch, GoArch(names.machine));
}

}  // namespace
}  // namespace rmgr::agent
