#include "agent/outbox/fire_outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "common/testing/files.h"

namespace rmgr::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::string_view kA = "01HZX3P00000000000000SCHEA";
constexpr std::string_view kB = "01HZX3P00000000000000SCHEB";

class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("rmgr-fires") {}
};

TimePoint Minute(int n) {
  return TimePoint{} + std::chrono::seconds{1'800'000'000} + std::chrono::minutes{n};
}

protocol::ScheduleFire Fire(std::string_view id, int minute, bool late = false) {
  return protocol::ScheduleFire{.schedule_id = std::string(id),
                                .scheduled_at = Minute(minute),
                                .late = late ? std::optional(true) : std::nullopt};
}

std::unique_ptr<FireOutbox> OpenOrDie(const fs::path& dir) {
  auto box = FireOutbox::Open(dir);
  EXPECT_TRUE(box.ok()) << box.error().Describe();
  return std::move(box).value();
}

TEST(FireOutbox, KeepsOnlyTheLatestUnansweredSlotPerSchedule) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  EXPECT_TRUE(*box->Put(Fire(kA, 1)));
  EXPECT_TRUE(*box->Put(Fire(kB, 2)));
  EXPECT_TRUE(*box->Put(Fire(kA, 3, true)));
  EXPECT_FALSE(*box->Put(Fire(kA, 2))) << "an older slot never replaces a newer one";
  EXPECT_EQ(box->Pending(), (std::vector<protocol::ScheduleFire>{Fire(kA, 3, true), Fire(kB, 2)}));
  EXPECT_EQ(box->Size(), 2u);
}

TEST(FireOutbox, AnyAnswerForTheKeptSlotDropsItAndOthersChangeNothing) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  ASSERT_TRUE(box->Put(Fire(kA, 3)).ok());
  EXPECT_FALSE(box->Answer(kA, Minute(2))) << "an answer for an older slot keeps the newer fire";
  EXPECT_FALSE(box->Answer(kB, Minute(3)));
  EXPECT_EQ(box->Size(), 1u);
  EXPECT_TRUE(box->Answer(kA, Minute(3)));
  EXPECT_EQ(box->Size(), 0u);
  EXPECT_FALSE(fs::exists(tmp.path() / "fires" / (std::string(kA) + ".json")));
  EXPECT_FALSE(box->Answer(kA, Minute(3))) << "answers may repeat";
}

TEST(FireOutbox, AFireTheDiskRefusesIsKeptInMemoryUntilAnswered) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  // A directory where the temp file goes makes the write fail, as a full disk would.
  fs::create_directories(tmp.path() / "fires" / (std::string(kA) + ".json.tmp"));
  const auto stored = box->Put(Fire(kA, 1));
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.error().code, ErrorCode::kUnavailable) << stored.error().Describe();
  ASSERT_EQ(box->Pending().size(), 1u) << "still resent";
  EXPECT_EQ(box->Pending().front(), Fire(kA, 1));
  EXPECT_TRUE(box->Answer(kA, Minute(1)));
  EXPECT_EQ(box->Size(), 0u);
}

TEST(FireOutbox, SurvivesARestartAndWritesPrivateFiles) {
  TempDir tmp;
  {
    auto box = OpenOrDie(tmp.path());
    ASSERT_TRUE(box->Put(Fire(kA, 1, true)).ok());
    ASSERT_TRUE(box->Put(Fire(kB, 5)).ok());
    ASSERT_TRUE(box->Answer(kB, Minute(5)));
  }
  const auto file = tmp.path() / "fires" / (std::string(kA) + ".json");
  EXPECT_EQ(fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  test_support::WriteFile(tmp.path() / "fires" / (std::string(kB) + ".json.tmp"), "{\"half");
  auto box = OpenOrDie(tmp.path());
  EXPECT_EQ(box->Pending(), (std::vector<protocol::ScheduleFire>{Fire(kA, 1, true)}));
  EXPECT_FALSE(fs::exists(tmp.path() / "fires" / (std::string(kB) + ".json.tmp"))) << "leftover temp removed";
}

TEST(FireOutbox, CorruptOrMisnamedFilesAreQuarantined) {
  TempDir tmp;
  {
    auto box = OpenOrDie(tmp.path());
    ASSERT_TRUE(box->Put(Fire(kA, 1)).ok());
  }
  fs::copy_file(tmp.path() / "fires" / (std::string(kA) + ".json"),
                tmp.path() / "fires" / (std::string(kB) + ".json"));
  test_support::WriteFile(tmp.path() / "fires" / "01HZX3P00000000000000SCHEC.json", "not json");
  auto box = OpenOrDie(tmp.path());
  EXPECT_EQ(box->Pending(), (std::vector<protocol::ScheduleFire>{Fire(kA, 1)}));
  EXPECT_TRUE(fs::exists(tmp.path() / "fires" / "corrupt" / (std::string(kB) + ".json")));
  EXPECT_TRUE(fs::exists(tmp.path() / "fires" / "corrupt" / "01HZX3P00000000000000SCHEC.json"));
}

TEST(FireOutbox, RetainDropsFiresOfSchedulesNoLongerApplied) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  ASSERT_TRUE(box->Put(Fire(kA, 1)).ok());
  ASSERT_TRUE(box->Put(Fire(kB, 1)).ok());
  box->Retain({std::string(kA)});
  EXPECT_EQ(box->Pending(), (std::vector<protocol::ScheduleFire>{Fire(kA, 1)}));
  EXPECT_EQ(OpenOrDie(tmp.path())->Size(), 1u) << "the dropped fire's file is gone too";
}

TEST(FireOutbox, RefusesFiresTheServerWouldReject) {
  TempDir tmp;
  auto box = OpenOrDie(tmp.path());
  EXPECT_EQ(box->Put(Fire("../escape", 1)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(box->Put(Fire("not-a-ulid", 1)).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(box->Size(), 0u);
}

}  // namespace
}  // namespace rmgr::agent
