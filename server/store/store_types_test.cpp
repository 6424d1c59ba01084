#include "server/store/store_types.h"

#include <gtest/gtest.h>

#include "server/store/page_cursor.h"

namespace rmgr::store {
namespace {

// Parameterized over every job status so each rule reads as its own test
// ("store/JobStatusRules.TerminalIsFinal/lost").
class JobStatusRules : public ::testing::TestWithParam<JobStatus> {};

const std::vector<JobStatus> kAllStatuses = protocol::AllValues<JobStatus>();

TEST_P(JobStatusRules, NameRoundTrips) {
  const JobStatus status = GetParam();
  EXPECT_EQ(FromString<JobStatus>(ToString(status)), status);
}

TEST_P(JobStatusRules, NeverMovesToItself) {
  EXPECT_FALSE(IsAllowedTransition(GetParam(), GetParam()));
}

TEST_P(JobStatusRules, OnlyTerminalStatusesAreFinal) {
  bool can_move = false;
  for (JobStatus to : kAllStatuses) can_move = can_move || IsAllowedTransition(GetParam(), to);
  EXPECT_EQ(can_move, !IsTerminal(GetParam()));
}

// Only a dispatched job its agent never received goes back to the queue.
TEST_P(JobStatusRules, OnlyADispatchedJobMovesBackToQueued) {
  EXPECT_EQ(IsAllowedTransition(GetParam(), JobStatus::kQueued), GetParam() == JobStatus::kDispatched);
}

std::string StatusName(const ::testing::TestParamInfo<JobStatus>& param_info) {
  return std::string(ToString(param_info.param));
}

INSTANTIATE_TEST_SUITE_P(store, JobStatusRules, ::testing::ValuesIn(kAllStatuses), StatusName);

// Fixed facts of the lifecycle, one fixture so they share the "store/" prefix.
class StoreTypes : public ::testing::TestWithParam<int> {};

TEST_P(StoreTypes, LifecycleForwardPath) {
  EXPECT_TRUE(IsAllowedTransition(JobStatus::kQueued, JobStatus::kDispatched));
  EXPECT_TRUE(IsAllowedTransition(JobStatus::kDispatched, JobStatus::kRunning));
  EXPECT_TRUE(IsAllowedTransition(JobStatus::kRunning, JobStatus::kSucceeded));
  EXPECT_TRUE(IsAllowedTransition(JobStatus::kDispatched, JobStatus::kLost));
  EXPECT_TRUE(IsAllowedTransition(JobStatus::kQueued, JobStatus::kCancelled));
  EXPECT_FALSE(IsAllowedTransition(JobStatus::kQueued, JobStatus::kRunning));
  EXPECT_FALSE(IsAllowedTransition(JobStatus::kQueued, JobStatus::kSucceeded));
  EXPECT_FALSE(IsAllowedTransition(JobStatus::kRunning, JobStatus::kDispatched));
}

TEST_P(StoreTypes, EnumNamesRoundTrip) {
  for (const JobKind kind : protocol::AllValues<JobKind>()) EXPECT_EQ(FromString<JobKind>(ToString(kind)), kind);
  for (int i = 0; i <= static_cast<int>(ActorKind::kSystem); ++i) {
    const auto kind = static_cast<ActorKind>(i);
    EXPECT_EQ(FromString<ActorKind>(ToString(kind)), kind);
  }
  for (const LogStream stream : protocol::AllValues<LogStream>()) {
    EXPECT_EQ(FromString<LogStream>(ToString(stream)), stream);
  }
  for (const ErrorKind kind : protocol::AllValues<ErrorKind>()) EXPECT_EQ(FromString<ErrorKind>(ToString(kind)), kind);
  EXPECT_EQ(FromString<JobStatus>("Queued"), std::nullopt);
  EXPECT_EQ(FromString<JobKind>(""), std::nullopt);
}

TEST_P(StoreTypes, PageLimitIsClamped) {
  EXPECT_EQ(ClampPageLimit(0), kDefaultPageLimit);
  EXPECT_EQ(ClampPageLimit(-3), kDefaultPageLimit);
  EXPECT_EQ(ClampPageLimit(7), 7);
  EXPECT_EQ(ClampPageLimit(1'000'000), kMaxPageLimit);
}

TEST_P(StoreTypes, CursorRoundTripsAndRejectsForeignOrBroken) {
  const std::string cursor = EncodeCursor("jobs", {"1767225600000", "01ARZ3NDEKTSV4RRFFQ69G5FAV"});
  auto keys = DecodeCursor(cursor, "jobs", 2);
  ASSERT_TRUE(keys.ok()) << keys.error().Describe();
  EXPECT_EQ(*keys, (std::vector<std::string>{"1767225600000", "01ARZ3NDEKTSV4RRFFQ69G5FAV"}));
  EXPECT_EQ(DecodeCursor(cursor, "audit", 2).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(DecodeCursor(cursor, "jobs", 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(DecodeCursor("not base64!", "jobs", 2).error().field, "cursor");
  EXPECT_EQ(DecodeCursor(std::string(5000, 'A'), "jobs", 2).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(CursorInt("12x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(*CursorInt("-5"), -5);
}

INSTANTIATE_TEST_SUITE_P(store, StoreTypes, ::testing::Values(0), [](const auto&) { return "rules"; });

}  // namespace
}  // namespace rmgr::store
