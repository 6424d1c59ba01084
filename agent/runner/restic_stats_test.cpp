// Reading `restic stats --json`: 0.14's shape (as the installed restic prints
// it, see restic_real_test.cpp for the live run), 0.18's (from
// cmd/restic/cmd_stats.go: omitempty counts, compression figures on
// repositories of format 2), and what is refused.
#include "agent/runner/restic_stats.h"

#include <gtest/gtest.h>

#include "common/protocol/envelope.h"

namespace rmgr::agent::runner {
namespace {

TEST(ResticStats, Restic014RawDataAndRestoreSize) {
  // Printed by restic 0.14.0 (Debian 12) for a two-snapshot repository.
  const auto raw = ParseStatsOutput(
      R"({"total_size":100647,"total_file_count":0,"total_blob_count":4,"snapshots_count":2})");
  ASSERT_TRUE(raw.ok()) << raw.error().Describe();
  EXPECT_EQ(raw->total_size, 100647u);
  EXPECT_EQ(raw->total_blob_count, 4u);
  EXPECT_EQ(raw->snapshots_count, 2u);
  EXPECT_FALSE(raw->total_uncompressed_size.has_value());
  EXPECT_FALSE(raw->compression_ratio.has_value());
  const auto restore = ParseStatsOutput(R"({"total_size":100006,"total_file_count":3,"snapshots_count":1})");
  ASSERT_TRUE(restore.ok());
  const auto stats = MakeRepositoryStats(*raw, *restore);
  EXPECT_EQ(stats.raw_data_bytes, 100647u);
  EXPECT_EQ(stats.blobs, 4u);
  EXPECT_EQ(stats.snapshots, 2u);
  EXPECT_EQ(stats.restore_size_bytes, 100006u);
  EXPECT_EQ(stats.restore_files, 3u);
  EXPECT_EQ(stats.restore_snapshots, 1u);
}

TEST(ResticStats, Restic018RawDataWithCompression) {
  // restic 0.18's statsContainer: total_file_count omitted (omitempty), compression figures present.
  const auto raw = ParseStatsOutput(
      R"({"total_size":667561804647,"total_uncompressed_size":681918411961,"compression_ratio":1.021506034668343,)"
      R"("compression_progress":100,"compression_space_saving":2.105326247565975,"total_blob_count":680045,)"
      R"("snapshots_count":22})");
  ASSERT_TRUE(raw.ok()) << raw.error().Describe();
  EXPECT_EQ(raw->total_uncompressed_size, 681918411961u);
  EXPECT_EQ(raw->total_file_count, 0u);
  const auto stats = MakeRepositoryStats(*raw, StatsOutput{});
  EXPECT_EQ(stats.uncompressed_bytes, 681918411961u);
  ASSERT_TRUE(stats.compression_ratio.has_value());
  EXPECT_DOUBLE_EQ(*stats.compression_ratio, 1.021506);
  EXPECT_DOUBLE_EQ(*stats.compression_progress, 100);
  EXPECT_DOUBLE_EQ(*stats.compression_space_saving, 2.105326);
  // What the agent stores is what the server decodes.
  protocol::JobResult result;
  result.job_id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
  result.status = protocol::JobStatus::kSucceeded;
  result.stats = stats;
  const auto decoded = protocol::Decode(protocol::Encode(protocol::Envelope{"", result}));
  ASSERT_TRUE(decoded.ok()) << decoded.error().Describe();
  EXPECT_EQ(std::get<protocol::JobResult>(decoded->payload).stats, stats);
  // restore-size in 0.18 (a repository of empty files has no total_file_count... it omits zeros)
  const auto restore = ParseStatsOutput(R"({"total_size":0,"snapshots_count":0})");
  ASSERT_TRUE(restore.ok());
  EXPECT_EQ(restore->total_file_count, 0u);
}

TEST(ResticStats, RefusesWhatIsNotAStatsObject) {
  for (const char* bad :
       {"", "not json", "[]", R"({"snapshots_count":1})", R"({"total_size":1})",
        R"({"total_size":-1,"snapshots_count":1})", R"({"total_size":"1","snapshots_count":1})",
        R"({"total_size":1,"snapshots_count":1,"total_blob_count":1.5})",
        R"({"total_size":1,"snapshots_count":1,"compression_progress":101})",
        R"({"total_size":1,"snapshots_count":1,"total_uncompressed_size":null})"}) {
    EXPECT_FALSE(ParseStatsOutput(bad).ok()) << bad;
  }
  // A member restic adds later is not an error.
  EXPECT_TRUE(ParseStatsOutput(R"({"total_size":1,"snapshots_count":1,"future_field":"x"})").ok());
}

}  // namespace
}  // namespace rmgr::agent::runner
