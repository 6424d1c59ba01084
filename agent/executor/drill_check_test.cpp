// The drill's pieces without restic: listing lines, the sampler's bounds,
// one file's verdict on real files, and the status rule.
#include "agent/executor/drill_check.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "common/testing/files.h"

namespace rmgr::agent {
namespace {

namespace fs = std::filesystem;
using protocol::JobStatus;
using test_support::WriteFile;

TEST(DrillLsLine, ReadsTheSnapshotAndRegularFilesOnly) {
  const auto snapshot = ParseDrillLsLine(
      R"({"time":"2026-12-07T11:58:28Z","tree":"f8","paths":["/src"],"hostname":"h","id":")" +
      std::string(64, 'a') + R"(","short_id":"aaaaaaaa","struct_type":"snapshot"})");
  EXPECT_EQ(snapshot.snapshot_id, std::string(64, 'a'));
  EXPECT_FALSE(snapshot.file.has_value());
  const auto newer = ParseDrillLsLine(R"({"time":"2026-12-07T11:58:28Z","id":")" + std::string(64, 'c') +
                                      R"(","message_type":"snapshot"})");
  EXPECT_EQ(newer.snapshot_id, std::string(64, 'c')) << "restic 0.17+'s message_type";
  const auto file = ParseDrillLsLine(
      R"({"name":"a","type":"file","path":"/src/a","size":100000,"mtime":"2026-12-07T11:58:28.12509453Z","struct_type":"node"})");
  ASSERT_TRUE(file.file.has_value());
  EXPECT_EQ(file.file->path, "/src/a");
  EXPECT_EQ(file.file->size, 100000u);
  EXPECT_EQ(file.file->mtime.time_since_epoch() % std::chrono::seconds(1),
            std::chrono::nanoseconds(125094530));
  // restic leaves out a zero size.
  const auto empty =
      ParseDrillLsLine(R"({"name":"e","type":"file","path":"/src/e","mtime":"2026-12-07T11:58:28Z"})");
  ASSERT_TRUE(empty.file.has_value());
  EXPECT_EQ(empty.file->size, 0u);
  for (const char* other :
       {R"({"name":"d","type":"dir","path":"/src/d","mtime":"2026-12-07T11:58:28Z"})",
        R"({"name":"l","type":"symlink","path":"/src/l","mtime":"2026-12-07T11:58:28Z"})",
        R"({"name":"r","type":"file","path":"relative","mtime":"2026-12-07T11:58:28Z"})",
        R"({"name":"n","type":"file","path":"/src/n","size":-1,"mtime":"2026-12-07T11:58:28Z"})",
        R"({"name":"t","type":"file","path":"/src/t","mtime":"yesterday"})", "not json", "[]"}) {
    const auto parsed = ParseDrillLsLine(other);
    EXPECT_FALSE(parsed.file.has_value()) << other;
    EXPECT_FALSE(parsed.snapshot_id.has_value()) << other;
  }
}

TEST(DrillSampler, KeepsAtMostCountFilesWithinTheByteBudget) {
  DrillSampler sampler(5, 1000, 7);
  for (int i = 0; i < 1000; ++i) sampler.Offer(DrillFile{"/f" + std::to_string(i), 300, {}});
  sampler.Offer(DrillFile{"/huge", 5000, {}});  // larger than the budget alone: never picked
  EXPECT_EQ(sampler.offered(), 1001u);
  const auto sample = sampler.Take();
  EXPECT_EQ(sample.size(), 3u) << "three files of 300 bytes fit into 1000";
  std::set<std::string> paths;
  for (const auto& file : sample) paths.insert(file.path);
  EXPECT_EQ(paths.size(), sample.size()) << "no file twice";
  EXPECT_FALSE(paths.contains("/huge"));
}

TEST(DrillSampler, SamplesAcrossTheWholeListing) {
  // Over many seeds, late files are picked about as often as early ones.
  int late = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    DrillSampler sampler(2, 1 << 20, seed);
    for (int i = 0; i < 100; ++i) sampler.Offer(DrillFile{std::to_string(i), 1, {}});
    for (const auto& file : sampler.Take()) late += std::stoi(file.path) >= 50 ? 1 : 0;
  }
  EXPECT_GT(late, 140);
  EXPECT_LT(late, 260);
}

class DrillFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "rmgr-drill-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    live_ = root_ / "live.txt";
    copy_ = root_ / "copy.txt";
    WriteFile(live_, "the content");
    WriteFile(copy_, "the content");
  }
  void TearDown() override { fs::remove_all(root_); }

  DrillFile Recorded() const {
    struct stat st {};
    EXPECT_EQ(::stat(live_.c_str(), &st), 0);
    return DrillFile{
        live_.string(), static_cast<uint64_t>(st.st_size),
        TimePoint{std::chrono::duration_cast<Clock::duration>(std::chrono::seconds{st.st_mtim.tv_sec} +
                                                              std::chrono::nanoseconds{st.st_mtim.tv_nsec})}};
  }

  fs::path root_, live_, copy_;
};

TEST_F(DrillFileTest, Verdicts) {
  const DrillFile recorded = Recorded();
  EXPECT_EQ(CheckRestoredFile(recorded, copy_, {}), DrillVerdict::kVerified);
  EXPECT_EQ(CheckRestoredFile(recorded, root_ / "missing", {}), DrillVerdict::kUnreadable);
  EXPECT_EQ(CheckRestoredFile(recorded, copy_, [] { return true; }), DrillVerdict::kUnreadable) << "stopped";
  WriteFile(copy_, "the contenX");
  EXPECT_EQ(CheckRestoredFile(recorded, copy_, {}), DrillVerdict::kMismatched)
      << "other bytes, live unchanged";
  WriteFile(copy_, "short");
  EXPECT_EQ(CheckRestoredFile(recorded, copy_, {}), DrillVerdict::kMismatched) << "other size than recorded";
  WriteFile(copy_, "the content");
  DrillFile moved = recorded;
  moved.mtime += std::chrono::nanoseconds(1);  // the live file changed since (mtime differs)
  EXPECT_EQ(CheckRestoredFile(moved, copy_, {}), DrillVerdict::kSizeOnly);
  fs::remove(live_);
  EXPECT_EQ(CheckRestoredFile(recorded, copy_, {}), DrillVerdict::kSizeOnly) << "live file gone";
}

TEST(DrillRule, MismatchFailsUnreadableIsPartialElseSuccess) {
  protocol::DrillSummary summary;
  EXPECT_EQ(JudgeDrill(summary).status, JobStatus::kPartial) << "nothing sampled";
  Count(summary, DrillFile{"/a", 1, {}}, DrillVerdict::kVerified);
  Count(summary, DrillFile{"/b", 1, {}}, DrillVerdict::kSizeOnly);
  EXPECT_EQ(JudgeDrill(summary).status, JobStatus::kSucceeded);
  EXPECT_FALSE(JudgeDrill(summary).error.has_value());
  Count(summary, DrillFile{"/c", 1, {}}, DrillVerdict::kUnreadable);
  EXPECT_EQ(JudgeDrill(summary).status, JobStatus::kPartial);
  EXPECT_EQ(summary.unreadable_paths, std::vector<std::string>{"/c"});
  Count(summary, DrillFile{"/d", 1, {}}, DrillVerdict::kMismatched);
  const auto outcome = JudgeDrill(summary);
  EXPECT_EQ(outcome.status, JobStatus::kFailed);
  EXPECT_EQ(outcome.error_kind, protocol::ErrorKind::kVerifyMismatch);
  EXPECT_NE(outcome.error->find("/d"), std::string::npos);
  EXPECT_EQ(summary.sampled, 4u);
  for (int i = 0; i < 20; ++i)
    Count(summary, DrillFile{"/m" + std::to_string(i), 1, {}}, DrillVerdict::kMismatched);
  EXPECT_EQ(summary.mismatched_paths.size(), protocol::DrillSummary::kMaxExamples);
  EXPECT_EQ(summary.mismatched, 21u);
}

}  // namespace
}  // namespace rmgr::agent
