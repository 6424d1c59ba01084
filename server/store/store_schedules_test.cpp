// Store suite: repositories, source groups, schedules (and their version
// bumps), pending runs.
#include <algorithm>

#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

class SchedulesTest : public StoreTest {
 protected:
  int64_t VersionOf(const std::string& host_id) {
    return Must(store().Read([&](ReadTx& tx) { return tx.GetHostScheduleVersion(host_id); }));
  }
};

// ------------------------------------------------------------ repositories --

TEST_P(SchedulesTest, RepositoryRoundTripsIncludingBinarySecret) {
  const Repository made = MakeRepository("offsite");
  const Repository read = Must(store().Read([&](ReadTx& tx) { return tx.GetRepository(made.id); }));
  EXPECT_EQ(read.name, "offsite");
  EXPECT_EQ(read.url, "sftp:backup@nas:/srv/restic/offsite");
  EXPECT_EQ(read.secret_ciphertext, (std::vector<uint8_t>{0x01, 0x00, 0xff, 0x7f}));
  EXPECT_EQ(read.secret_nonce, (std::vector<uint8_t>{0xaa, 0xbb}));
  EXPECT_EQ(read.created_at, Now());
  MakeRepository("local");
  const auto all = Must(store().Read([](ReadTx& tx) { return tx.ListRepositories(); }));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "local");
  EXPECT_EQ(all[1].name, "offsite");
}

TEST_P(SchedulesTest, RepositoryNameIsUnique) {
  MakeRepository("r");
  Repository again;
  again.name = "r";
  auto made = store().Write([&](WriteTx& tx) { return tx.CreateRepository(again); });
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kConflict);
  EXPECT_EQ(made.error().field, "name");
}

TEST_P(SchedulesTest, RepositoryUpdateBumpsEveryHostUsingIt) {
  const Host a = MakeHost("a");
  const Host b = MakeHost("b");
  const Host c = MakeHost("c");
  const Repository used = MakeRepository();
  const Repository other = MakeRepository();
  MakeSchedule(a.id, used.id, {});
  MakeSchedule(a.id, used.id, {});   // a: version 2, one bump expected however many schedules
  MakeSchedule(b.id, used.id, {});   // b: version 1
  MakeSchedule(c.id, other.id, {});  // c: version 1, not using it

  Repository changed = used;
  changed.url = "s3:https://s3.example/bucket";
  changed.secret_ciphertext = {9, 9, 9};
  Advance(std::chrono::seconds(1));
  const auto bumped = Must(store().Write([&](WriteTx& tx) { return tx.UpdateRepository(changed); }));
  std::vector<HostVersion> expected = {{a.id, 3}, {b.id, 2}};
  std::sort(expected.begin(), expected.end(), [](auto& x, auto& y) { return x.host_id < y.host_id; });
  EXPECT_EQ(bumped, expected);
  EXPECT_EQ(VersionOf(c.id), 1);
  const Repository read = Must(store().Read([&](ReadTx& tx) { return tx.GetRepository(used.id); }));
  EXPECT_EQ(read.url, "s3:https://s3.example/bucket");
  EXPECT_EQ(read.secret_ciphertext, (std::vector<uint8_t>{9, 9, 9}));
  EXPECT_EQ(read.updated_at, Now());
  EXPECT_LT(read.created_at, read.updated_at);
}

TEST_P(SchedulesTest, RepositoryInUseCannotBeDeleted) {
  const Host host = MakeHost();
  const Repository used = MakeRepository();
  const Repository unused = MakeRepository();
  MakeSchedule(host.id, used.id, {});
  auto refused = store().Write([&](WriteTx& tx) { return tx.DeleteRepository(used.id); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConstraint);
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteRepository(unused.id); }));
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.DeleteRepository(unused.id); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.ListRepositories(); })).size(), 1u);
}

TEST_P(SchedulesTest, UpdatingUnknownRepositoryIsNotFound) {
  Repository ghost;
  ghost.id = "missing";
  ghost.name = "ghost";
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.UpdateRepository(ghost); }).error().code,
            ErrorCode::kNotFound);
}

// ----------------------------------------------------------- source groups --

TEST_P(SchedulesTest, SourceGroupRoundTripsAndUpdates) {
  const Host host = MakeHost();
  SourceGroup group;
  group.host_id = host.id;
  group.name = "documents";
  group.paths = {"/home/ana/Documents", "/srv/påth with spaces", "C:\\Users\\\"q\""};
  group.excludes = {"*.tmp"};
  group.tags = {"daily", "docs"};
  const SourceGroup made = Must(store().Write([&](WriteTx& tx) { return tx.CreateSourceGroup(group); }));
  SourceGroup read = Must(store().Read([&](ReadTx& tx) { return tx.GetSourceGroup(host.id, made.id); }));
  EXPECT_EQ(read.paths, group.paths);
  EXPECT_EQ(read.excludes, group.excludes);
  EXPECT_EQ(read.tags, group.tags);

  read.name = "docs";
  read.paths = {"/only"};
  read.tags.clear();
  const SourceGroup updated = Must(store().Write([&](WriteTx& tx) { return tx.UpdateSourceGroup(read); }));
  EXPECT_EQ(updated.name, "docs");
  EXPECT_EQ(updated.paths, std::vector<std::string>{"/only"});
  EXPECT_TRUE(updated.tags.empty());
  // Groups are not part of schedule.set: no version change.
  EXPECT_EQ(VersionOf(host.id), 0);
}

TEST_P(SchedulesTest, SourceGroupNameIsUniquePerHostOnly) {
  const Host a = MakeHost();
  const Host b = MakeHost();
  MakeGroup(a.id, "etc");
  MakeGroup(b.id, "etc");
  SourceGroup again;
  again.host_id = a.id;
  again.name = "etc";
  auto made = store().Write([&](WriteTx& tx) { return tx.CreateSourceGroup(again); });
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kConflict);
  EXPECT_EQ(made.error().field, "name");
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.ListSourceGroups(a.id); })).size(), 1u);
}

TEST_P(SchedulesTest, SourceGroupIsScopedToItsHost) {
  const Host a = MakeHost();
  const Host b = MakeHost();
  const SourceGroup group = MakeGroup(a.id);
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetSourceGroup(b.id, group.id); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.DeleteSourceGroup(b.id, group.id); }).error().code,
            ErrorCode::kNotFound);
  SourceGroup orphan;
  orphan.host_id = "no-such-host";
  orphan.name = "x";
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.CreateSourceGroup(orphan); }).error().code,
            ErrorCode::kConstraint);
}

TEST_P(SchedulesTest, SourceGroupInUseCannotBeDeleted) {
  const Host host = MakeHost();
  const Repository repository = MakeRepository();
  const SourceGroup used = MakeGroup(host.id);
  const SourceGroup unused = MakeGroup(host.id);
  MakeSchedule(host.id, repository.id, {used.id});
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.DeleteSourceGroup(host.id, used.id); }).error().code,
            ErrorCode::kConstraint);
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteSourceGroup(host.id, unused.id); }));
}

// --------------------------------------------------------------- schedules --

TEST_P(SchedulesTest, CreateBumpsVersionAndRoundTripsEveryField) {
  const Host host = MakeHost();
  const Repository repository = MakeRepository();
  const SourceGroup g1 = MakeGroup(host.id, "g1");
  const SourceGroup g2 = MakeGroup(host.id, "g2");
  Schedule schedule;
  schedule.host_id = host.id;
  schedule.name = "nightly";
  schedule.kind = JobKind::kForget;
  schedule.cron = "30 2 * * 1-5";
  schedule.timezone = "Europe/London";
  schedule.repository_id = repository.id;
  schedule.source_group_ids = {g2.id, g1.id};  // order is kept
  schedule.retention_json = R"({"keep_daily":7,"keep_weekly":4})";
  schedule.options_json = R"({"prune":true})";
  schedule.pre_hook = "/usr/local/bin/pre";
  schedule.post_hook = "/usr/local/bin/post";
  schedule.hook_timeout = std::chrono::seconds(90);
  schedule.enabled = false;
  schedule.jitter = std::chrono::seconds(120);
  schedule.max_runtime = std::chrono::hours(3);
  const ScheduleChange made = Must(store().Write([&](WriteTx& tx) { return tx.CreateSchedule(schedule); }));
  EXPECT_EQ(made.version, 1);
  EXPECT_EQ(VersionOf(host.id), 1);

  const Schedule read =
      Must(store().Read([&](ReadTx& tx) { return tx.GetSchedule(host.id, made.schedule.id); }));
  EXPECT_EQ(read.name, "nightly");
  EXPECT_EQ(read.kind, JobKind::kForget);
  EXPECT_EQ(read.cron, "30 2 * * 1-5");
  EXPECT_EQ(read.timezone, "Europe/London");
  EXPECT_EQ(read.repository_id, repository.id);
  EXPECT_EQ(read.source_group_ids, (std::vector<std::string>{g2.id, g1.id}));
  EXPECT_EQ(read.retention_json, schedule.retention_json);
  EXPECT_EQ(read.options_json, schedule.options_json);
  EXPECT_EQ(read.pre_hook, "/usr/local/bin/pre");
  EXPECT_EQ(read.post_hook, "/usr/local/bin/post");
  EXPECT_EQ(read.hook_timeout, std::chrono::seconds(90));
  EXPECT_FALSE(read.enabled);
  EXPECT_EQ(read.jitter, std::chrono::seconds(120));
  EXPECT_EQ(read.max_runtime, std::chrono::hours(3));
  EXPECT_EQ(read.created_at, Now());
  EXPECT_EQ(read.updated_at, Now());
}

TEST_P(SchedulesTest, UpdateAndDeleteEachBumpTheVersion) {
  const Host host = MakeHost();
  const Repository repository = MakeRepository();
  const SourceGroup g1 = MakeGroup(host.id);
  const SourceGroup g2 = MakeGroup(host.id);
  ScheduleChange made = MakeSchedule(host.id, repository.id, {g1.id});
  EXPECT_EQ(made.version, 1);

  Schedule changed = made.schedule;
  changed.cron = "0 4 * * *";
  changed.source_group_ids = {g2.id};
  Advance(std::chrono::minutes(1));
  const ScheduleChange updated = Must(store().Write([&](WriteTx& tx) { return tx.UpdateSchedule(changed); }));
  EXPECT_EQ(updated.version, 2);
  EXPECT_EQ(updated.schedule.cron, "0 4 * * *");
  EXPECT_EQ(updated.schedule.source_group_ids, std::vector<std::string>{g2.id});
  EXPECT_EQ(updated.schedule.created_at, made.schedule.created_at);
  EXPECT_EQ(updated.schedule.updated_at, Now());

  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.DeleteSchedule(host.id, made.schedule.id); })),
            3);
  EXPECT_EQ(VersionOf(host.id), 3);
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetSchedule(host.id, made.schedule.id); }).error().code,
            ErrorCode::kNotFound);
  // g1 is free again once no schedule uses it.
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteSourceGroup(host.id, g1.id); }));
}

TEST_P(SchedulesTest, ScheduleIsScopedToItsHost) {
  const Host a = MakeHost();
  const Host b = MakeHost();
  const Repository repository = MakeRepository();
  const ScheduleChange made = MakeSchedule(a.id, repository.id, {});
  Schedule moved = made.schedule;
  moved.host_id = b.id;
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetSchedule(b.id, made.schedule.id); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.UpdateSchedule(moved); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(
      store().Write([&](WriteTx& tx) { return tx.DeleteSchedule(b.id, made.schedule.id); }).error().code,
      ErrorCode::kNotFound);
  EXPECT_EQ(VersionOf(b.id), 0);
  EXPECT_EQ(VersionOf(a.id), 1);
}

TEST_P(SchedulesTest, GroupOfAnotherHostIsRejectedAndNothingChanges) {
  const Host a = MakeHost();
  const Host b = MakeHost();
  const Repository repository = MakeRepository();
  const SourceGroup foreign = MakeGroup(b.id);
  Schedule schedule;
  schedule.host_id = a.id;
  schedule.name = "s";
  schedule.cron = "@daily";
  schedule.repository_id = repository.id;
  schedule.source_group_ids = {foreign.id};
  auto made = store().Write([&](WriteTx& tx) { return tx.CreateSchedule(schedule); });
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kConstraint);
  EXPECT_EQ(VersionOf(a.id), 0);
  EXPECT_TRUE(Must(store().Read([&](ReadTx& tx) { return tx.ListSchedulesByHost(a.id); })).empty());
}

TEST_P(SchedulesTest, InvalidReferencesAndValuesAreTypedErrors) {
  const Host host = MakeHost();
  const Repository repository = MakeRepository();
  const SourceGroup group = MakeGroup(host.id);
  Schedule base;
  base.host_id = host.id;
  base.name = "s";
  base.cron = "@daily";
  base.repository_id = repository.id;
  auto create = [&](const Schedule& schedule) {
    return store().Write([&](WriteTx& tx) { return tx.CreateSchedule(schedule); });
  };
  Schedule no_repository = base;
  no_repository.repository_id = "missing";
  EXPECT_EQ(create(no_repository).error().code, ErrorCode::kConstraint);
  Schedule bad_json = base;
  bad_json.retention_json = "{keep_daily: 7";
  EXPECT_EQ(create(bad_json).error().code, ErrorCode::kConstraint);
  Schedule bad_kind = base;
  bad_kind.kind = JobKind::kRestore;
  EXPECT_EQ(create(bad_kind).error().code, ErrorCode::kConstraint);
  Schedule bad_timeout = base;
  bad_timeout.hook_timeout = std::chrono::seconds(0);
  EXPECT_EQ(create(bad_timeout).error().code, ErrorCode::kConstraint);
  Schedule twice = base;
  twice.source_group_ids = {group.id, group.id};
  EXPECT_EQ(create(twice).error().code, ErrorCode::kInvalidArgument);
  Schedule unnamed = base;
  unnamed.name.clear();
  EXPECT_EQ(create(unnamed).error().code, ErrorCode::kInvalidArgument);
  MakeSchedule(host.id, repository.id, {}, "taken");
  Schedule duplicate = base;
  duplicate.name = "taken";
  auto clash = create(duplicate);
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
  EXPECT_EQ(clash.error().field, "name");
  EXPECT_EQ(VersionOf(host.id), 1);  // only the one good create bumped
}

TEST_P(SchedulesTest, ListByHostIsOrderedByNameWithGroups) {
  const Host host = MakeHost();
  const Host other = MakeHost();
  const Repository repository = MakeRepository();
  const SourceGroup g1 = MakeGroup(host.id);
  const SourceGroup g2 = MakeGroup(host.id);
  MakeSchedule(host.id, repository.id, {g2.id, g1.id}, "weekly");
  MakeSchedule(host.id, repository.id, {}, "check");
  MakeSchedule(host.id, repository.id, {g1.id}, "daily");
  MakeSchedule(other.id, repository.id, {}, "elsewhere");
  const auto schedules = Must(store().Read([&](ReadTx& tx) { return tx.ListSchedulesByHost(host.id); }));
  ASSERT_EQ(schedules.size(), 3u);
  EXPECT_EQ(schedules[0].name, "check");
  EXPECT_TRUE(schedules[0].source_group_ids.empty());
  EXPECT_EQ(schedules[1].name, "daily");
  EXPECT_EQ(schedules[1].source_group_ids, std::vector<std::string>{g1.id});
  EXPECT_EQ(schedules[2].name, "weekly");
  EXPECT_EQ(schedules[2].source_group_ids, (std::vector<std::string>{g2.id, g1.id}));
  EXPECT_TRUE(Must(store().Read([](ReadTx& tx) { return tx.ListSchedulesByHost("nobody"); })).empty());
}

TEST_P(SchedulesTest, DeletingAScheduleKeepsItsJobs) {
  const Host host = MakeHost();
  const Repository repository = MakeRepository();
  const ScheduleChange made = MakeSchedule(host.id, repository.id, {});
  NewJob fired;
  fired.host_id = host.id;
  fired.actor_kind = ActorKind::kSchedule;
  fired.schedule_id = made.schedule.id;
  fired.scheduled_at = Now();
  const Job job = MakeJob(fired);
  Must(store().Write([&](WriteTx& tx) { return tx.DeleteSchedule(host.id, made.schedule.id); }));
  const Job kept = Must(store().Read([&](ReadTx& tx) { return tx.GetJob(job.id); }));
  EXPECT_FALSE(kept.schedule_id.has_value());
  EXPECT_EQ(kept.scheduled_at, Now());
}

// ------------------------------------------------------------ pending runs --

TEST_P(SchedulesTest, PendingRunsCoalescePerScheduleKeepingTheLatestSlot) {
  const Host host = MakeHost();
  const Repository repository = MakeRepository();
  const ScheduleChange s1 = MakeSchedule(host.id, repository.id, {});
  const ScheduleChange s2 = MakeSchedule(host.id, repository.id, {});
  const TimePoint t0 = Now();
  // Each upsert answers the slot that will not run because of it.
  auto upsert = [&](const std::string& schedule_id, TimePoint requested, TimePoint slot) {
    return Must(store().Write([&](WriteTx& tx) {
      return tx.UpsertPendingRun(PendingRun{schedule_id, host.id, requested, slot});
    }));
  };
  EXPECT_EQ(upsert(s1.schedule.id, t0, t0), std::nullopt);
  EXPECT_EQ(upsert(s2.schedule.id, t0 + std::chrono::seconds(1), t0), std::nullopt);
  EXPECT_EQ(upsert(s2.schedule.id, t0 + std::chrono::seconds(1), t0), std::nullopt);  // the same slot again
  EXPECT_EQ(upsert(s1.schedule.id, t0 + std::chrono::seconds(2), t0 + std::chrono::hours(1)), t0);
  // An older slot arriving late is ignored, and is the one that will not run.
  EXPECT_EQ(upsert(s1.schedule.id, t0 + std::chrono::seconds(3), t0 + std::chrono::minutes(1)),
            t0 + std::chrono::minutes(1));

  auto runs = Must(store().Read([&](ReadTx& tx) { return tx.ListPendingRuns(host.id); }));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].schedule_id, s1.schedule.id);
  EXPECT_EQ(runs[0].requested_at, t0);
  EXPECT_EQ(runs[0].scheduled_at, t0 + std::chrono::hours(1));
  EXPECT_EQ(runs[1].schedule_id, s2.schedule.id);

  MustOk(store().Write([&](WriteTx& tx) { return tx.DeletePendingRun(s1.schedule.id); }));
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.DeletePendingRun(s1.schedule.id); }).error().code,
            ErrorCode::kNotFound);
  // A schedule's pending run goes with it.
  Must(store().Write([&](WriteTx& tx) { return tx.DeleteSchedule(host.id, s2.schedule.id); }));
  EXPECT_TRUE(Must(store().Read([&](ReadTx& tx) { return tx.ListPendingRuns(host.id); })).empty());
}

TEST_P(SchedulesTest, PendingRunMustMatchTheSchedulesHost) {
  const Host host = MakeHost();
  const Host other = MakeHost();
  const Repository repository = MakeRepository();
  const ScheduleChange made = MakeSchedule(host.id, repository.id, {});
  auto wrong = store().Write([&](WriteTx& tx) {
    return tx.UpsertPendingRun(PendingRun{made.schedule.id, other.id, Now(), Now()});
  });
  EXPECT_EQ(wrong.error().code, ErrorCode::kConstraint);
}

INSTANTIATE_TEST_SUITE_P(store, SchedulesTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
