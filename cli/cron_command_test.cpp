// `restic-manager cron next|check`, driven in-process through RunCli.
#include "cli/cron_command.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_app.h"
#include "common/util/time_format.h"

namespace rmgr::cli {
namespace {

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome RunCommand(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  Outcome o;
  o.code = RunCli(args, out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// An error is one line on stderr, nothing on stdout, exit 2.
void ExpectUsageError(const Outcome& o, const std::string& needle) {
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(Lines(o.err).size(), 1U) << o.err;
  EXPECT_NE(o.err.find(needle), std::string::npos) << o.err;
}

TEST(CliCronNext, PrintsFiveFireTimesByDefault) {
  const auto o = RunCommand({"cron", "next", "*/5 * * * *", "--from", "2026-05-01T12:07:30Z"});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(o.out,
            "2026-05-01T12:10:00Z\n2026-05-01T12:15:00Z\n2026-05-01T12:20:00Z\n"
            "2026-05-01T12:25:00Z\n2026-05-01T12:30:00Z\n");
}

TEST(CliCronNext, CountFlagLimitsTheOutput) {
  EXPECT_EQ(RunCommand({"cron", "next", "@daily", "-n", "2", "--from", "2026-05-01T12:00:00Z"}).out,
            "2026-05-02T00:00:00Z\n2026-05-03T00:00:00Z\n");
  EXPECT_EQ(RunCommand({"cron", "next", "@hourly", "--count", "1", "--from", "2026-05-01T12:00:00Z"}).out,
            "2026-05-01T13:00:00Z\n");
}

TEST(CliCronNext, FallBackHourlyFiresTwiceWithOffsets) {
  const auto o = RunCommand({"cron", "next", "0 * * * *", "--tz", "America/New_York", "-n", "3", "--from",
                             "2026-11-01T00:30:00-04:00"});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "2026-11-01T01:00:00-04:00\n2026-11-01T01:00:00-05:00\n2026-11-01T02:00:00-05:00\n");
}

TEST(CliCronNext, SpringForwardSkipsTheGap) {
  const auto o = RunCommand({"cron", "next", "30 2 * * *", "--tz", "America/New_York", "-n", "2", "--from",
                             "2026-03-07T12:00:00-05:00"});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "2026-03-09T02:30:00-04:00\n2026-03-10T02:30:00-04:00\n");
}

TEST(CliCronNext, UsesTheOffsetWrittenInFrom) {
  const auto o =
      RunCommand({"cron", "next", "14 14 * * *", "-n", "1", "--from", "2016-01-03T13:09:03+05:30"});
  EXPECT_EQ(o.out, "2016-01-03T14:14:00+05:30\n");
}

TEST(CliCronNext, TzFlagOverridesTheOffsetInFrom) {
  const auto o = RunCommand(
      {"cron", "next", "0 9 * * *", "-n", "1", "--tz", "Asia/Tokyo", "--from", "2026-05-01T00:00:00+05:30"});
  EXPECT_EQ(o.out, "2026-05-01T09:00:00+09:00\n");
}

TEST(CliCronNext, ExpressionZoneWinsAndIsUsedForOutput) {
  const auto o = RunCommand({"cron", "next", "TZ=America/New_York 0 9 * * *", "-n", "1", "--tz", "Asia/Tokyo",
                             "--from", "2026-07-01T00:00:00Z"});
  EXPECT_EQ(o.out, "2026-07-01T09:00:00-04:00\n");
  EXPECT_EQ(RunCommand(
                {"cron", "next", "CRON_TZ=Asia/Tokyo @midnight", "-n", "1", "--from", "2026-07-01T00:00:00Z"})
                .out,
            "2026-07-02T00:00:00+09:00\n");
}

TEST(CliCronNext, DefaultsToUtcWithoutZoneOrOffset) {
  EXPECT_EQ(RunCommand({"cron", "next", "0 0 1 1 *", "-n", "1", "--from", "2026-05-01T00:00:00Z"}).out,
            "2027-01-01T00:00:00Z\n");
}

TEST(CliCronNext, AcceptsTheExpressionAsSeparateWords) {
  EXPECT_EQ(RunCommand(
                {"cron", "next", "30", "2", "*", "*", "mon-fri", "-n", "1", "--from", "2026-05-01T12:00:00Z"})
                .out,
            "2026-05-04T02:30:00Z\n");
  EXPECT_EQ(RunCommand({"cron", "next", "@every", "90m", "-n", "2", "--from", "2026-05-01T12:00:00Z"}).out,
            "2026-05-01T13:30:00Z\n2026-05-01T15:00:00Z\n");
}

TEST(CliCronNext, FloorsSubSecondFrom) {
  EXPECT_EQ(RunCommand({"cron", "next", "@every 15m", "-n", "1", "--from", "2012-07-09T14:45:00.005Z"}).out,
            "2012-07-09T15:00:00Z\n");
}

TEST(CliCronNext, NeverPrintsNothingAndSucceeds) {
  const auto o = RunCommand({"cron", "next", "0 0 30 2 *", "--from", "2026-05-01T00:00:00Z"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "");
}

TEST(CliCronNext, StartsFromNowByDefault) {
  const auto before = std::chrono::floor<std::chrono::seconds>(Clock::now());
  const auto o = RunCommand({"cron", "next", "* * * * *"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  const auto lines = Lines(o.out);
  ASSERT_EQ(lines.size(), 5U);
  TimePoint previous = before;
  for (const auto& line : lines) {
    auto t = ParseRfc3339(line);
    ASSERT_TRUE(t.ok()) << line;
    EXPECT_GT(t->time, previous);
    EXPECT_EQ(t->offset.count(), 0) << line;
    previous = t->time;
  }
}

TEST(CliCronNext, InvalidExpressionIsAUsageError) {
  ExpectUsageError(
      RunCommand({"cron", "next", "0 25 * * *"}),
      "restic-manager: invalid cron expression \"0 25 * * *\": hour: value 25 out of range 0-23");
  ExpectUsageError(RunCommand({"cron", "next", "0 0 * * * *"}), "expected exactly 5 fields, found 6");
  ExpectUsageError(RunCommand({"cron", "next", "TZ=Mars/Base 0 0 * * *"}), "unknown time zone \"Mars/Base\"");
}

TEST(CliCronNext, BadFlagsAreUsageErrors) {
  ExpectUsageError(RunCommand({"cron", "next", "@daily", "--from", "yesterday"}),
                   "restic-manager: --from: invalid RFC 3339 time \"yesterday\"");
  ExpectUsageError(RunCommand({"cron", "next", "@daily", "--from", "2026-05-01T00:00:00"}), "--from: ");
  ExpectUsageError(RunCommand({"cron", "next", "@daily", "--tz", "Mars/Base"}),
                   "restic-manager: --tz: unknown time zone \"Mars/Base\"");
  ExpectUsageError(RunCommand({"cron", "next", "@daily", "--tz", ""}), "--tz: empty time zone name");
  ExpectUsageError(RunCommand({"cron", "next", "@daily", "-n", "0"}), "-n must be between 1 and 1000, got 0");
  ExpectUsageError(RunCommand({"cron", "next", "@daily", "-n", "1001"}), "-n must be between 1 and 1000");
  ExpectUsageError(RunCommand({"cron", "next", "@daily", "-n", "many"}), "restic-manager: ");
  ExpectUsageError(RunCommand({"cron", "next"}), "restic-manager: ");
  ExpectUsageError(RunCommand({"cron"}), "restic-manager: ");
}

TEST(CliCronCheck, PrintsOkForAValidExpression) {
  const auto o = RunCommand({"cron", "check", "TZ=Europe/Berlin 0 3 * * sun"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(o.out, "ok\n");
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(RunCommand({"cron", "check", "@every", "1h30m"}).out, "ok\n");
}

TEST(CliCronCheck, ReportsTheProblemAndExitsTwo) {
  ExpectUsageError(RunCommand({"cron", "check", "0 0 * * 7"}), "day of week: value 7 out of range 0-6");
  ExpectUsageError(RunCommand({"cron", "check", "@every 1d"}),
                   "@every: unknown unit \"d\" in duration \"1d\"");
  ExpectUsageError(RunCommand({"cron", "check", "0 0 * * mo\nn"}), "expected exactly 5 fields, found 6");
}

TEST(CliCron, HelpDescribesZonesAndTheUtcDefault) {
  const auto o = RunCommand({"cron", "next", "--help"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_NE(o.out.find("--tz"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("else UTC"), std::string::npos) << o.out;
  EXPECT_NE(RunCommand({"--help"}).out.find("cron"), std::string::npos);
}

}  // namespace
}  // namespace rmgr::cli
