#include "agent/runner/restic_output.h"

#include <gtest/gtest.h>

namespace rmgr::agent::runner {
namespace {

using protocol::ErrorKind;
using protocol::JobStatus;

TEST(ResticOutput, StatusLine) {
  auto p = ParseStdoutLine(
      R"({"message_type":"status","percent_done":0.5,"total_files":10,"files_done":5,"total_bytes":1000,)"
      R"("bytes_done":500,"seconds_elapsed":3,"seconds_remaining":4,"error_count":1,"current_files":["/a","/b"]})");
  ASSERT_EQ(p.kind, StdoutKind::kStatus);
  EXPECT_DOUBLE_EQ(p.progress.percent_done, 0.5);
  EXPECT_EQ(p.progress.total_files, 10u);
  EXPECT_EQ(p.progress.files_done, 5u);
  EXPECT_EQ(p.progress.total_bytes, 1000u);
  EXPECT_EQ(p.progress.bytes_done, 500u);
  EXPECT_EQ(p.progress.seconds_elapsed, 3u);
  EXPECT_EQ(p.progress.seconds_remaining, 4u);
  EXPECT_EQ(p.progress.error_count, 1u);
  EXPECT_EQ(p.progress.current_files, (std::vector<std::string>{"/a", "/b"}));
}

TEST(ResticOutput, StatusMissingFieldsAreZero) {
  auto p = ParseStdoutLine(R"({"message_type":"status","percent_done":1,"total_files":-4,"bytes_done":"x"})");
  ASSERT_EQ(p.kind, StdoutKind::kStatus);
  EXPECT_DOUBLE_EQ(p.progress.percent_done, 1.0);
  EXPECT_EQ(p.progress.total_files, 0u);
  EXPECT_EQ(p.progress.bytes_done, 0u);
  EXPECT_EQ(p.progress.seconds_remaining, 0u);
  EXPECT_TRUE(p.progress.current_files.empty());
}

TEST(ResticOutput, SummaryLine) {
  auto p = ParseStdoutLine(
      R"({"message_type":"summary","files_new":2,"files_changed":1,"files_unmodified":3,"dirs_new":1,)"
      R"("dirs_changed":0,"dirs_unmodified":0,"data_blobs":2,"tree_blobs":1,"data_added":1234,)"
      R"("total_files_processed":6,"total_bytes_processed":9999,"total_duration":1.25,"snapshot_id":"0123abcd"})");
  ASSERT_EQ(p.kind, StdoutKind::kSummary);
  EXPECT_EQ(p.summary.files_new, 2u);
  EXPECT_EQ(p.summary.files_unmodified, 3u);
  EXPECT_EQ(p.summary.data_added, 1234u);
  EXPECT_EQ(p.summary.total_bytes_processed, 9999u);
  EXPECT_DOUBLE_EQ(p.summary.total_duration, 1.25);
  EXPECT_EQ(p.summary.snapshot_id, "0123abcd");
}

TEST(ResticOutput, RestoreStatusAndSummary) {
  // restic 0.18's `restore --json`, as printed for a 5 MB file.
  auto status = ParseStdoutLine(
      R"({"message_type":"status","percent_done":0.338444,"total_files":2,"total_bytes":5000000,)"
      R"("bytes_restored":1692220,"files_restored":1})");
  ASSERT_EQ(status.kind, StdoutKind::kStatus);
  EXPECT_DOUBLE_EQ(status.progress.percent_done, 0.338444);
  EXPECT_EQ(status.progress.total_files, 2u);
  EXPECT_EQ(status.progress.files_done, 1u);
  EXPECT_EQ(status.progress.total_bytes, 5000000u);
  EXPECT_EQ(status.progress.bytes_done, 1692220u);
  auto summary = ParseStdoutLine(
      R"({"message_type":"summary","total_files":2,"files_restored":2,"total_bytes":5000000,"bytes_restored":5000000})");
  ASSERT_EQ(summary.kind, StdoutKind::kRestoreSummary);
  EXPECT_EQ(summary.restore.files_restored, 2u);
  EXPECT_EQ(summary.restore.bytes_restored, 5000000u);
  EXPECT_EQ(Describe(summary.restore), "restored 2 of 2 files, 5000000 of 5000000 bytes");
  summary.restore.files_skipped = 1;
  EXPECT_EQ(Describe(summary.restore),
            "restored 2 of 2 files, 5000000 of 5000000 bytes (1 files already there)");
  // A restore summary is never taken for a backup's (which would record a snapshot).
  ResticOutputCollector collector;
  collector.OnStdout(R"({"message_type":"summary","total_files":1,"files_restored":1,"bytes_restored":3})");
  EXPECT_FALSE(collector.summary().has_value());
}

// Found by the restic_output fuzzer: a one-digit id was kept and the job
// result it went into was then refused by the wire codec.
TEST(ResticOutput, SummaryWithAnIdTooShortOrNotHexHasNone) {
  for (const char* id : {"", "0", "0123abc", "0123ABCD", "0123abcg"}) {
    auto p = ParseStdoutLine(std::string(R"({"message_type":"summary","snapshot_id":")") + id + "\"}");
    ASSERT_EQ(p.kind, StdoutKind::kSummary) << id;
    EXPECT_FALSE(p.summary.snapshot_id.has_value()) << id;
  }
  EXPECT_EQ(ParseStdoutLine(R"({"message_type":"summary","snapshot_id":"0123abcd"})").summary.snapshot_id,
            "0123abcd");
}

TEST(ResticOutput, OtherLines) {
  EXPECT_EQ(ParseStdoutLine("created restic repository 0123 at /r").kind, StdoutKind::kText);
  EXPECT_EQ(ParseStdoutLine("{not json").kind, StdoutKind::kText);
  EXPECT_EQ(ParseStdoutLine("").kind, StdoutKind::kText);
  EXPECT_EQ(ParseStdoutLine(R"([{"id":"x"}])").kind, StdoutKind::kOtherJson);
  EXPECT_EQ(ParseStdoutLine(R"({"message_type":"verbose_status"})").kind, StdoutKind::kOtherJson);
}

TEST(ResticOutput, ClassifyStderr) {
  EXPECT_EQ(ClassifyStderrLine("Fatal: wrong password or no key found"), ErrorKind::kWrongPassword);
  EXPECT_EQ(
      ClassifyStderrLine("Fatal: unable to open config file: stat /r/config: no such file or directory"),
      ErrorKind::kRepositoryMissing);
  EXPECT_EQ(ClassifyStderrLine("Is there a repository at the following location?"),
            ErrorKind::kRepositoryMissing);
  EXPECT_EQ(ClassifyStderrLine("unable to create lock in backend: repository is already locked by PID 1"),
            ErrorKind::kRepositoryLocked);
  EXPECT_EQ(ClassifyStderrLine("open repository"), ErrorKind::kNone);
}

TEST(ResticOutput, ExitCodes) {
  EXPECT_EQ(StatusFromExit(0, false), JobStatus::kSucceeded);
  EXPECT_EQ(StatusFromExit(3, false), JobStatus::kPartial);
  EXPECT_EQ(StatusFromExit(130, false), JobStatus::kCancelled);
  EXPECT_EQ(StatusFromExit(137, true), JobStatus::kCancelled);
  EXPECT_EQ(StatusFromExit(1, false), JobStatus::kFailed);
  EXPECT_EQ(StatusFromExit(0, true), JobStatus::kSucceeded);  // finished before the cancel took effect
}

TEST(ResticOutput, ThrottlePassesFirstHoldsRestFlushesLast) {
  using namespace std::chrono_literals;
  ProgressThrottle t(500ms);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  protocol::JobProgress p;
  p.files_done = 1;
  EXPECT_TRUE(t.Offer(p, t0).has_value());
  p.files_done = 2;
  EXPECT_FALSE(t.Offer(p, t0 + 100ms).has_value());
  p.files_done = 3;
  EXPECT_FALSE(t.Offer(p, t0 + 200ms).has_value());
  p.files_done = 4;
  auto sent = t.Offer(p, t0 + 600ms);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->files_done, 4u);
  EXPECT_FALSE(t.Flush().has_value());
  p.files_done = 5;
  EXPECT_FALSE(t.Offer(p, t0 + 700ms).has_value());
  auto last = t.Flush();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->files_done, 5u);
  EXPECT_FALSE(t.Flush().has_value());
}

TEST(ResticOutput, CollectorFailedWithReason) {
  ResticOutputCollector c;
  c.OnStderr("repository 1234 opened");
  c.OnStderr("Fatal: wrong password or no key found");
  c.OnStderr("some trailing noise");
  protocol::JobResult r;
  c.FillResult(1, false, r);
  EXPECT_EQ(r.status, JobStatus::kFailed);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.error_kind, ErrorKind::kWrongPassword);
  EXPECT_EQ(r.error, "Fatal: wrong password or no key found");
}

TEST(ResticOutput, CollectorUnclassifiedFailureIsOther) {
  ResticOutputCollector c;
  c.OnStderr("Fatal: something odd");
  c.OnStderr("more");
  protocol::JobResult r;
  c.FillResult(1, false, r);
  EXPECT_EQ(r.error_kind, ErrorKind::kOther);
  EXPECT_EQ(r.error, "Fatal: something odd");
}

// restic 0.18's stderr (captured from 0.18.0): JSON errors and exit codes 10-12.
TEST(ResticOutput, CollectorReadsRestic018JsonErrors) {
  ResticOutputCollector c;
  c.OnStderr(R"({"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"})");
  protocol::JobResult r;
  c.FillResult(12, false, r);
  EXPECT_EQ(r.status, JobStatus::kFailed);
  EXPECT_EQ(r.error_kind, ErrorKind::kWrongPassword);
  EXPECT_EQ(r.error, "Fatal: wrong password or no key found");

  ResticOutputCollector partial;
  partial.OnStderr(
      R"({"message_type":"error","error":{"message":"read /proc/1/mem: input/output error"},"during":"archival","item":"/proc/1/mem"})");
  partial.FillResult(3, false, r);
  EXPECT_EQ(r.status, JobStatus::kPartial);
  EXPECT_EQ(r.error, "/proc/1/mem: read /proc/1/mem: input/output error");

  ResticOutputCollector fatal;
  fatal.OnStderr(R"({"message_type":"error","error":{"message":"one file"},"item":"/a"})");
  fatal.OnStderr(R"({"message_type":"exit_error","code":1,"message":"Fatal: /nonexist does not exist\n"})");
  fatal.OnStderr("trailing text");
  fatal.FillResult(1, false, r);
  EXPECT_EQ(r.error_kind, ErrorKind::kOther);
  EXPECT_EQ(r.error, "Fatal: /nonexist does not exist") << "the exit error wins, without its newline";
}

TEST(ResticOutput, ExitCodesTenToTwelveNameTheReasonWithoutText) {
  for (const auto& [code, kind] :
       {std::pair{10, ErrorKind::kRepositoryMissing}, std::pair{11, ErrorKind::kRepositoryLocked},
        std::pair{12, ErrorKind::kWrongPassword}}) {
    ResticOutputCollector c;
    c.OnStderr("some text restic 0.17 printed");
    protocol::JobResult r;
    c.FillResult(code, false, r);
    EXPECT_EQ(r.status, JobStatus::kFailed) << code;
    EXPECT_EQ(r.error_kind, kind) << code;
  }
}

TEST(ResticOutput, CollectorSummaryGivesSnapshot) {
  ResticOutputCollector c;
  c.OnStdout(R"({"message_type":"summary","snapshot_id":"deadbeef"})");
  protocol::JobResult r;
  c.FillResult(0, false, r);
  EXPECT_EQ(r.status, JobStatus::kSucceeded);
  EXPECT_EQ(r.snapshot_id, "deadbeef");
  EXPECT_EQ(r.error_kind, ErrorKind::kNone);
  EXPECT_FALSE(r.error.has_value());
}

}  // namespace
}  // namespace rmgr::agent::runner
