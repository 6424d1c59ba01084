// Secrets (repository password, environment values) must never reach a log:
// not through Describe, not through an ostream, not through fmt/spdlog, not
// through a decode error.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "common/protocol/envelope.h"
#include "common/protocol/sample_messages.h"

namespace rmgr::protocol {
namespace {

using testing::kSampleEnvSecret;
using testing::kSamplePassword;

void ExpectNoSecret(const std::string& text) {
  EXPECT_EQ(text.find(kSamplePassword), std::string::npos) << text;
  EXPECT_EQ(text.find(kSampleEnvSecret), std::string::npos) << text;
}

// The command.run as the agent sees it: decoded from the wire.
Envelope DecodedCommandRun() {
  auto decoded = Decode(Encode(Envelope{"", testing::SampleCommandRun()}));
  EXPECT_TRUE(decoded.ok());
  return decoded.ok() ? *decoded : Envelope{};
}

TEST(ProtocolRedaction, DecodedPasswordIsIntactForTheOneCallerThatNeedsIt) {
  const Envelope env = DecodedCommandRun();
  const auto& repo = std::get<CommandRun>(env.payload).repository;
  EXPECT_EQ(repo.password.Reveal(), kSamplePassword);
  EXPECT_EQ(repo.env->at("AWS_SECRET_ACCESS_KEY").Reveal(), kSampleEnvSecret);
}

TEST(ProtocolRedaction, DescribeAndStreamingRedactEverySecret) {
  const Envelope env = DecodedCommandRun();
  const std::string described = Describe(env, 1 << 20);
  ExpectNoSecret(described);
  EXPECT_NE(described.find(R"("password":"<redacted>")"), std::string::npos) << described;
  EXPECT_NE(described.find(R"("AWS_SECRET_ACCESS_KEY":"<redacted>")"), std::string::npos) << described;
  EXPECT_NE(described.find("s3:https://s3.example.com/bucket/restic"), std::string::npos) << described;

  std::ostringstream streamed;
  streamed << env;
  ExpectNoSecret(streamed.str());
  ExpectNoSecret(::testing::PrintToString(env));
  ExpectNoSecret(::testing::PrintToString(std::get<CommandRun>(env.payload).repository.password));
}

TEST(ProtocolRedaction, FmtAndSpdlogPrintTheSecretAsRedacted) {
  const Envelope env = DecodedCommandRun();
  const auto& repo = std::get<CommandRun>(env.payload).repository;
  EXPECT_EQ(fmt::format("{}", repo.password), "<redacted>");
  EXPECT_EQ(fmt::format("{:>12}", repo.password), "  <redacted>");

  std::ostringstream sink_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(sink_text);
  spdlog::logger logger("redaction_test", sink);
  logger.set_level(spdlog::level::trace);
  logger.info("password={} env={} frame={}", repo.password, repo.env->at("AWS_SECRET_ACCESS_KEY"),
              Describe(env));
  logger.flush();
  EXPECT_NE(sink_text.str().find("password=<redacted>"), std::string::npos) << sink_text.str();
  ExpectNoSecret(sink_text.str());
}

TEST(ProtocolRedaction, DecodeErrorsNeverEchoTheSecret) {
  // A password that breaks its rule, and a frame broken right after it.
  CommandRun run = testing::SampleCommandRun();
  const std::string long_password = std::string(kSamplePassword) + std::string(limits::kMaxSecretBytes, 'x');
  run.repository.password = Secret(long_password);
  auto too_long = Decode(Encode(Envelope{"", run}));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().field, "payload.repository.password");
  ExpectNoSecret(too_long.error().Describe());

  std::string truncated = Encode(Envelope{"", testing::SampleCommandRun()});
  truncated.resize(truncated.find(kSamplePassword) + kSamplePassword.size() + 1);
  auto malformed = Decode(truncated);
  ASSERT_FALSE(malformed.ok());
  ExpectNoSecret(malformed.error().Describe());
}

TEST(ProtocolRedaction, BrowseRequestRepositoryIsRedactedToo) {
  for (const Envelope& env : testing::SampleEnvelopes()) {
    SCOPED_TRACE(TypeName(env.payload));
    ExpectNoSecret(Describe(env, 1 << 20));
  }
}

TEST(ProtocolRedaction, DescribeCutsLongFramesAndSaysHowMuchIsLeft) {
  JobLog log{.job_id = "01HZX3P0000000000000000J0B", .first_seq = 0, .lines = {}};
  log.lines.assign(50, LogLine{LogStream::kStdout, "some output line", testing::At("2026-01-01T00:00:00Z")});
  const std::string full = Encode(Envelope{"", log});
  const std::string cut = Describe(Envelope{"", log}, 100);
  EXPECT_EQ(cut.substr(0, 100), full.substr(0, 100));
  EXPECT_NE(cut.find(fmt::format("...(+{} bytes)", full.size() - 100)), std::string::npos) << cut;
}

}  // namespace
}  // namespace rmgr::protocol
