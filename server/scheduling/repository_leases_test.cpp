#include "server/scheduling/repository_leases.h"

#include <gtest/gtest.h>

#include <vector>

namespace rmgr::server::scheduling {
namespace {

using store::JobKind;

constexpr JobKind kAllKinds[] = {JobKind::kBackup, JobKind::kForget,    JobKind::kPrune, JobKind::kCheck,
                                 JobKind::kRestore, JobKind::kInit,     JobKind::kUnlock, JobKind::kSnapshots,
                                 JobKind::kLs,     JobKind::kStats,     JobKind::kDrill};

LeaseJob Job(std::string id, JobKind kind, std::string host = "h") {
  return LeaseJob{std::move(id), kind, std::move(host), TimePoint{}};
}

TimePoint At(std::int64_t seconds) { return TimePoint{std::chrono::seconds(seconds)}; }

TEST(RepositoryLeases, TheTableFollowsResticsLocks) {
  for (JobKind kind : {JobKind::kBackup, JobKind::kRestore, JobKind::kSnapshots, JobKind::kLs, JobKind::kStats,
                       JobKind::kDrill}) {
    EXPECT_EQ(LeaseOf(kind), Lease::kShared) << ToString(kind);
  }
  for (JobKind kind : {JobKind::kForget, JobKind::kPrune, JobKind::kCheck, JobKind::kUnlock}) {
    EXPECT_EQ(LeaseOf(kind), Lease::kExclusive) << ToString(kind);
  }
  EXPECT_EQ(LeaseOf(JobKind::kInit), Lease::kNone);
  for (JobKind kind : kAllKinds) {
    const bool maintenance = kind == JobKind::kForget || kind == JobKind::kPrune || kind == JobKind::kCheck;
    EXPECT_EQ(IsMaintenance(kind), maintenance) << ToString(kind);
  }
  EXPECT_EQ(ToString(Lease::kExclusive), "exclusive");
  EXPECT_EQ(ToString(Lease::kShared), "shared");
  EXPECT_EQ(ToString(Lease::kNone), "none");
}

// Every kind against every single holder kind: shared goes with shared,
// exclusive with nothing, init with everything.
TEST(RepositoryLeases, EveryPairOfKinds) {
  for (JobKind kind : kAllKinds) {
    for (JobKind held : kAllKinds) {
      const std::vector<LeaseJob> holders{Job("held", held, "web-1")};
      const LeaseDecision decision = DecideLease(Job("new", kind), RepositoryState{"nas", 0, true, holders, {}});
      const Lease a = LeaseOf(kind);
      const Lease b = LeaseOf(held);
      const bool together = a == Lease::kNone || b == Lease::kNone || (a == Lease::kShared && b == Lease::kShared);
      EXPECT_EQ(decision.start, together) << ToString(kind) << " with " << ToString(held);
      if (together) {
        EXPECT_EQ(decision.reason, "");
      } else if (b == Lease::kNone) {
        ADD_FAILURE() << "init holds nothing";
      } else {
        EXPECT_EQ(decision.reason, "waiting for " + std::string(ToString(held)) + " of repository nas on host web-1")
            << ToString(kind) << " with " << ToString(held);
      }
    }
    // An idle repository takes anything.
    EXPECT_EQ(DecideLease(Job("new", kind), RepositoryState{"nas", 0, true, {}, {}}), (LeaseDecision{true, ""}));
  }
}

TEST(RepositoryLeases, AnExclusiveHolderIsNamedBeforeSharedOnes) {
  const std::vector<LeaseJob> holders{Job("b", JobKind::kBackup, "a"), Job("p", JobKind::kPrune, "b")};
  EXPECT_EQ(DecideLease(Job("n", JobKind::kBackup), RepositoryState{"r", 0, true, holders, {}}).reason,
            "waiting for prune of repository r on host b");
  EXPECT_EQ(DecideLease(Job("n", JobKind::kCheck), RepositoryState{"r", 0, true, holders, {}}).reason,
            "waiting for prune of repository r on host b");
}

TEST(RepositoryLeases, AQueuedExclusiveJobBlocksNewSharedOnesOnly) {
  const std::vector<LeaseJob> holders{Job("b1", JobKind::kBackup, "a")};
  const std::vector<LeaseJob> waiting{Job("p", JobKind::kPrune, "b")};
  for (JobKind kind : kAllKinds) {
    const LeaseDecision decision = DecideLease(Job("n", kind), RepositoryState{"r", 0, true, holders, waiting});
    switch (LeaseOf(kind)) {
      case Lease::kShared:
        EXPECT_EQ(decision, (LeaseDecision{false, "waiting for queued prune of repository r on host b"}))
            << ToString(kind);
        break;
      case Lease::kExclusive:  // waits for the running backup, as the queued prune does
        EXPECT_EQ(decision, (LeaseDecision{false, "waiting for backup of repository r on host a"}));
        break;
      case Lease::kNone:
        EXPECT_TRUE(decision.start);
        break;
    }
  }
  // The queued exclusive job itself is not blocked by being in the list.
  EXPECT_TRUE(DecideLease(Job("p", JobKind::kPrune), RepositoryState{"r", 0, true, {}, waiting}).start);
}

TEST(RepositoryLeases, MaintenanceWaitsForItsWindowOthersDoNot) {
  for (JobKind kind : kAllKinds) {
    const LeaseDecision decision = DecideLease(Job("n", kind), RepositoryState{"r", 0, false, {}, {}});
    if (IsMaintenance(kind)) {
      EXPECT_EQ(decision, (LeaseDecision{false, "waiting for the maintenance window of repository r"}));
    } else {
      EXPECT_TRUE(decision.start) << ToString(kind);
    }
  }
}

TEST(RepositoryLeases, TheBackupLimitCountsBackupsOnly) {
  const std::vector<LeaseJob> two{Job("1", JobKind::kBackup, "a"), Job("2", JobKind::kBackup, "b"),
                                  Job("3", JobKind::kStats, "c")};
  EXPECT_EQ(DecideLease(Job("n", JobKind::kBackup), RepositoryState{"r", 2, true, two, {}}),
            (LeaseDecision{false, "waiting for a backup slot of repository r (2 of 2 running)"}));
  EXPECT_TRUE(DecideLease(Job("n", JobKind::kBackup), RepositoryState{"r", 3, true, two, {}}).start);
  EXPECT_TRUE(DecideLease(Job("n", JobKind::kBackup), RepositoryState{"r", 0, true, two, {}}).start);
  EXPECT_TRUE(DecideLease(Job("n", JobKind::kRestore), RepositoryState{"r", 2, true, two, {}}).start);
  EXPECT_TRUE(DecideLease(Job("n", JobKind::kBackup), RepositoryState{"r", 1, true, {}, {}}).start);
}

TEST(RepositoryLeases, WindowsAreValidated) {
  EXPECT_TRUE(ValidateMaintenanceWindow({"", 0}).ok());
  EXPECT_TRUE(ValidateMaintenanceWindow({"0 2 * * *", 120}).ok());
  EXPECT_TRUE(ValidateMaintenanceWindow({"CRON_TZ=Europe/Berlin 0 2 * * sun", 10080}).ok());
  EXPECT_EQ(ValidateMaintenanceWindow({"", 5}).error().field, "maintenance_minutes");
  EXPECT_EQ(ValidateMaintenanceWindow({"0 25 * * *", 60}).error().field, "maintenance_cron");
  EXPECT_NE(ValidateMaintenanceWindow({"0 25 * * *", 60}).error().message.find("hour"), std::string::npos);
  EXPECT_EQ(ValidateMaintenanceWindow({"@every 1h", 60}).error().field, "maintenance_cron");
  EXPECT_EQ(ValidateMaintenanceWindow({"0 2 * * *", 0}).error().field, "maintenance_minutes");
  EXPECT_EQ(ValidateMaintenanceWindow({"0 2 * * *", 10081}).error().field, "maintenance_minutes");
}

TEST(RepositoryLeases, InsideTheWindowFromItsOpeningForItsMinutes) {
  const MaintenanceWindow window{"0 2 * * *", 60};  // 02:00-03:00 UTC
  const std::int64_t day = 1767225600;               // 2026-01-01T00:00:00Z
  EXPECT_FALSE(InsideMaintenanceWindow(window, At(day + 2 * 3600 - 1)));
  EXPECT_TRUE(InsideMaintenanceWindow(window, At(day + 2 * 3600)));
  EXPECT_TRUE(InsideMaintenanceWindow(window, At(day + 3 * 3600 - 1)));
  EXPECT_FALSE(InsideMaintenanceWindow(window, At(day + 3 * 3600)));
  EXPECT_TRUE(InsideMaintenanceWindow({"", 0}, At(day)));
  EXPECT_FALSE(InsideMaintenanceWindow({"not a cron", 60}, At(day)));
}

}  // namespace
}  // namespace rmgr::server::scheduling
