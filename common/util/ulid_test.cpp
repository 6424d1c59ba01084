#include "common/util/ulid.h"

#include <gtest/gtest.h>

#include <set>

namespace rmgr {
namespace {

TEST(Ulid, HasTheUlidShapeAndIsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = NewUlid();
    EXPECT_TRUE(IsUlid(id)) << id;
    EXPECT_TRUE(seen.insert(id).second) << "duplicate " << id;
  }
}

TEST(Ulid, SortsByTime) {
  auto t = Clock::now();
  auto earlier = NewUlid(t);
  auto later = NewUlid(t + std::chrono::milliseconds{1});
  EXPECT_LT(earlier.substr(0, 10), later.substr(0, 10));
}

TEST(Ulid, IdsMadeInOneMillisecondSortInTheOrderTheyWereMade) {
  const auto t = Clock::now();
  std::string previous = NewUlid(t);
  for (int i = 0; i < 1000; ++i) {
    std::string next = NewUlid(t);
    ASSERT_LT(previous, next);
    EXPECT_EQ(previous.substr(0, 10), next.substr(0, 10)) << "same millisecond, same time part";
    previous = std::move(next);
  }
}

TEST(Ulid, IsUlidRejectsOtherShapes) {
  EXPECT_FALSE(IsUlid(""));
  EXPECT_FALSE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FA"));    // 25 chars
  EXPECT_FALSE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAU"));   // 'U' is not Crockford
  EXPECT_FALSE(IsUlid("81ARZ3NDEKTSV4RRFFQ69G5FAV"));   // overflows 128 bits
  EXPECT_TRUE(IsUlid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
}

}  // namespace
}  // namespace rmgr
