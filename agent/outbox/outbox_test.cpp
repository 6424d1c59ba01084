#include "agent/outbox/outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/protocol/envelope.h"
#include "common/testing/files.h"
#include "common/util/ulid.h"

namespace rmgr::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("rmgr-outbox") {}
};

TimePoint At(int64_t ms) {
  return TimePoint{} + milliseconds{1'800'000'000'000 + ms};
}

protocol::JobResult MakeResult(int64_t finished_ms, std::string id = NewUlid()) {
  protocol::JobResult r;
  r.job_id = std::move(id);
  r.status = protocol::JobStatus::kSucceeded;
  r.exit_code = 0;
  r.started_at = At(finished_ms - 1000);
  r.finished_at = At(finished_ms);
  return r;
}

std::vector<std::string> Ids(const std::vector<protocol::JobResult>& results) {
  std::vector<std::string> out;
  for (const auto& r : results) out.push_back(r.job_id);
  return out;
}

std::unique_ptr<Outbox> OpenOrDie(const fs::path& dir, std::size_t max = Outbox::kDefaultMaxEntries) {
  auto box = Outbox::Open(dir, max);
  EXPECT_TRUE(box.ok()) << box.error().Describe();
  return std::move(box).value();
}

TEST(Outbox, PutAckPendingInFinishOrder) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  const auto late = MakeResult(3000);
  const auto early = MakeResult(1000);
  const auto middle = MakeResult(2000);
  ASSERT_TRUE(box->Put(late).ok());
  ASSERT_TRUE(box->Put(early).ok());
  ASSERT_TRUE(box->Put(middle).ok());
  EXPECT_EQ(Ids(box->Pending()), (std::vector<std::string>{early.job_id, middle.job_id, late.job_id}));
  EXPECT_EQ(box->Size(), 3u);
  EXPECT_TRUE(fs::exists(tmp.path() / "outbox" / (middle.job_id + ".json")));

  ASSERT_TRUE(box->Ack(middle.job_id).ok());
  EXPECT_EQ(Ids(box->Pending()), (std::vector<std::string>{early.job_id, late.job_id}));
  EXPECT_FALSE(fs::exists(tmp.path() / "outbox" / (middle.job_id + ".json")));
  EXPECT_TRUE(box->Ack(middle.job_id).ok()) << "a repeated ack is harmless";
  EXPECT_TRUE(box->Ack(NewUlid()).ok()) << "an unknown ack is harmless";
}

TEST(Outbox, AResultTheDiskRefusesIsKeptInMemoryUntilAcknowledged) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  const auto r = MakeResult(1000);
  // A directory where the temp file goes makes the write fail, as a full disk would.
  fs::create_directories(tmp.path() / "outbox" / (r.job_id + ".json.tmp"));
  const auto stored = box->Put(r);
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.error().code, ErrorCode::kUnavailable) << stored.error().Describe();
  EXPECT_EQ(Ids(box->Pending()), std::vector<std::string>{r.job_id}) << "still resent";
  EXPECT_TRUE(box->Put(r).ok()) << "the same result again is a no-op";
  ASSERT_TRUE(box->Ack(r.job_id).ok());
  EXPECT_EQ(box->Size(), 0u);
}

TEST(Outbox, FilesAreReadableOnlyByTheAgent) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  const auto r = MakeResult(1000);
  ASSERT_TRUE(box->Put(r).ok());
  const auto perms = fs::status(tmp.path() / "outbox" / (r.job_id + ".json")).permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  EXPECT_EQ(fs::status(tmp.path() / "outbox").permissions() & fs::perms::others_all, fs::perms::none);
}

TEST(Outbox, TiesOnFinishTimeOrderByJobId) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  const auto b = MakeResult(1000, "01JBBBBBBBBBBBBBBBBBBBBBBB");
  const auto a = MakeResult(1000, "01JAAAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_TRUE(box->Put(b).ok());
  ASSERT_TRUE(box->Put(a).ok());
  EXPECT_EQ(Ids(box->Pending()), (std::vector<std::string>{a.job_id, b.job_id}));
}

TEST(Outbox, PutIsIdempotentAndRefusesADifferentResultForTheSameJob) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  auto r = MakeResult(1000);
  ASSERT_TRUE(box->Put(r).ok());
  ASSERT_TRUE(box->Put(r).ok());
  EXPECT_EQ(box->Size(), 1u);
  auto other = r;
  other.status = protocol::JobStatus::kFailed;
  auto put = box->Put(other);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kConflict);
  EXPECT_EQ(box->Pending().at(0).status, protocol::JobStatus::kSucceeded);
}

TEST(Outbox, SubMillisecondTimesStayIdempotentAcrossRestart) {
  TempDir tmp;
  auto r = MakeResult(1000);
  r.finished_at += std::chrono::microseconds{123};
  ASSERT_TRUE(OpenOrDie(tmp.path())->Put(r).ok());
  EXPECT_TRUE(OpenOrDie(tmp.path())->Put(r).ok());
}

TEST(Outbox, RefusesResultsTheServerWouldReject) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  auto bad_id = MakeResult(1000, "../../etc/passwd");
  EXPECT_EQ(box->Put(bad_id).error().code, ErrorCode::kInvalidArgument);
  auto not_ulid = MakeResult(1000, "not-a-ulid");
  EXPECT_FALSE(box->Put(not_ulid).ok());
  EXPECT_EQ(box->Size(), 0u);
  EXPECT_TRUE(fs::is_empty(tmp.path() / "outbox"));
}

TEST(Outbox, SurvivesRestart) {
  TempDir tmp;
  const auto a = MakeResult(1000);
  const auto b = MakeResult(2000);
  const auto c = MakeResult(3000);
  {
    auto box = OpenOrDie(tmp.path());
    ASSERT_TRUE(box->Put(a).ok());
    ASSERT_TRUE(box->Put(b).ok());
    ASSERT_TRUE(box->Put(c).ok());
    ASSERT_TRUE(box->Ack(b.job_id).ok());
  }
  auto box = OpenOrDie(tmp.path());
  const auto pending = box->Pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0], a);
  EXPECT_EQ(pending[1], c);
}

TEST(Outbox, CorruptAndTruncatedFilesAreQuarantined) {
  TempDir tmp;
  const auto good = MakeResult(1000);
  const auto victim = MakeResult(2000);
  std::string frame;
  {
    auto box = OpenOrDie(tmp.path());
    ASSERT_TRUE(box->Put(good).ok());
    ASSERT_TRUE(box->Put(victim).ok());
    frame = protocol::Encode(protocol::Envelope{.id = {}, .payload = victim});
  }
  const auto dir = tmp.path() / "outbox";
  // Truncate one result, and plant garbage and a frame filed under the wrong id.
  fs::resize_file(dir / (victim.job_id + ".json"), frame.size() / 2);
  const std::string garbage_id = NewUlid();
  std::ofstream(dir / (garbage_id + ".json")) << "\x01\x02 not json";
  const std::string wrong_id = NewUlid();
  std::ofstream(dir / (wrong_id + ".json"))
      << protocol::Encode(protocol::Envelope{.id = {}, .payload = good});
  std::ofstream(dir / (NewUlid() + ".json")) << protocol::Encode(
      protocol::Envelope{.id = {}, .payload = protocol::ResultAck{.job_id = good.job_id}});

  auto box = OpenOrDie(tmp.path());
  EXPECT_EQ(Ids(box->Pending()), (std::vector<std::string>{good.job_id}));
  EXPECT_TRUE(fs::exists(dir / "corrupt" / (victim.job_id + ".json")));
  EXPECT_TRUE(fs::exists(dir / "corrupt" / (garbage_id + ".json")));
  EXPECT_TRUE(fs::exists(dir / "corrupt" / (wrong_id + ".json")));
  EXPECT_FALSE(fs::exists(dir / (victim.job_id + ".json")));

  // The job can be stored again (e.g. the runner re-reports it).
  EXPECT_TRUE(box->Put(victim).ok());
  EXPECT_EQ(OpenOrDie(tmp.path())->Size(), 2u);
}

TEST(Outbox, TempFileLeftoversFromACrashAreIgnoredAndRemoved) {
  TempDir tmp;
  const auto kept = MakeResult(1000);
  {
    auto box = OpenOrDie(tmp.path());
    ASSERT_TRUE(box->Put(kept).ok());
  }
  const auto dir = tmp.path() / "outbox";
  const std::string half_written = NewUlid();
  std::ofstream(dir / (half_written + ".json.tmp")) << "{\"type\":\"job.res";
  std::ofstream(dir / (kept.job_id + ".json.tmp")) << "{";  // a crashed rewrite of a stored one

  auto box = OpenOrDie(tmp.path());
  EXPECT_EQ(Ids(box->Pending()), (std::vector<std::string>{kept.job_id}));
  EXPECT_FALSE(fs::exists(dir / (half_written + ".json.tmp")));
  EXPECT_FALSE(fs::exists(dir / (kept.job_id + ".json.tmp")));
  EXPECT_FALSE(fs::exists(dir / "corrupt"));
}

TEST(Outbox, RefusesBeyondItsBound) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path(), 2);
  ASSERT_TRUE(box->Put(MakeResult(1)).ok());
  const auto second = MakeResult(2);
  ASSERT_TRUE(box->Put(second).ok());
  auto full = box->Put(MakeResult(3));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kTooLarge);
  EXPECT_NE(full.error().message.find("outbox is full"), std::string::npos);
  EXPECT_TRUE(box->Put(second).ok()) << "re-putting a stored result is not a new entry";
  ASSERT_TRUE(box->Ack(second.job_id).ok());
  EXPECT_TRUE(box->Put(MakeResult(3)).ok());
}

TEST(Outbox, ConcurrentPutsFromTwoThreads) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  constexpr int kPerThread = 50;
  std::vector<protocol::JobResult> results[2];
  for (int t = 0; t < 2; ++t) {
    for (int i = 0; i < kPerThread; ++i) results[t].push_back(MakeResult(t * 1000 + i));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& r : results[t]) {
        auto put = box->Put(r);
        EXPECT_TRUE(put.ok()) << put.error().Describe();
        // Both threads also re-put a shared one: idempotent under contention.
        EXPECT_TRUE(box->Put(results[0][0]).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(box->Size(), 2u * kPerThread);
  EXPECT_EQ(OpenOrDie(tmp.path())->Size(), 2u * kPerThread);
}

}  // namespace
}  // namespace rmgr::agent
