// Store suite: the audit log, and the unit-of-work rules every mutation
// relies on (commit together, roll back together, no exception escapes).
#include <stdexcept>

#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

class AuditTest : public StoreTest {
 protected:
  int64_t Append(AuditEntry entry) {
    return Must(store().Write([&](WriteTx& tx) { return tx.AppendAudit(entry); }));
  }
  static AuditEntry Entry(ActorKind actor_kind, std::string actor_id, std::string action,
                          std::string target_kind, std::string target_id) {
    AuditEntry entry;
    entry.actor_kind = actor_kind;
    entry.actor_id = std::move(actor_id);
    entry.action = std::move(action);
    entry.target_kind = std::move(target_kind);
    entry.target_id = std::move(target_id);
    return entry;
  }
  std::vector<std::string> Actions(const AuditFilter& filter) {
    std::vector<std::string> actions;
    PageRequest request{"", 2};
    for (int pages = 0; pages < 100; ++pages) {
      const auto page = Must(store().Read([&](ReadTx& tx) { return tx.ListAudit(filter, request); }));
      for (const auto& entry : page.items) actions.push_back(entry.action);
      if (page.next_cursor.empty()) break;
      request.cursor = page.next_cursor;
    }
    return actions;
  }
};

TEST_P(AuditTest, AppendAssignsIncreasingIdsAndDefaultsTimeToNow) {
  AuditEntry entry = Entry(ActorKind::kUser, "u1", "host.create", "host", "h1");
  entry.source_addr = "192.0.2.7";
  entry.detail_json = R"({"name":"web-1"})";
  const int64_t first = Append(entry);
  const int64_t second = Append(Entry(ActorKind::kApi, "t1", "schedule.update", "schedule", "s1"));
  EXPECT_GT(second, first);
  const auto page = Must(store().Read([](ReadTx& tx) { return tx.ListAudit({}, {}); }));
  ASSERT_EQ(page.items.size(), 2u);
  const AuditEntry& read = page.items[1];  // newest first
  EXPECT_EQ(read.id, first);
  EXPECT_EQ(read.at, Now());
  EXPECT_EQ(read.actor_kind, ActorKind::kUser);
  EXPECT_EQ(read.actor_id, "u1");
  EXPECT_EQ(read.action, "host.create");
  EXPECT_EQ(read.target_kind, "host");
  EXPECT_EQ(read.target_id, "h1");
  EXPECT_EQ(read.source_addr, "192.0.2.7");
  EXPECT_EQ(read.detail_json, R"({"name":"web-1"})");
}

TEST_P(AuditTest, ExplicitTimeIsKept) {
  AuditEntry entry = Entry(ActorKind::kSystem, "", "job.lost", "job", "j1");
  entry.at = Now() - std::chrono::hours(1);
  Append(entry);
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.ListAudit({}, {}); })).items.at(0).at,
            Now() - std::chrono::hours(1));
}

TEST_P(AuditTest, InvalidEntriesAreRejected) {
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.AppendAudit(AuditEntry{}); }).error().code,
            ErrorCode::kInvalidArgument);
  AuditEntry bad_detail = Entry(ActorKind::kUser, "u", "x", "", "");
  bad_detail.detail_json = "{oops";
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.AppendAudit(bad_detail); }).error().code,
            ErrorCode::kConstraint);
}

TEST_P(AuditTest, ListFiltersByActorActionTargetAndTime) {
  const TimePoint t0 = Now();
  Append(Entry(ActorKind::kUser, "ana", "host.create", "host", "h1"));
  Advance(std::chrono::seconds(10));
  Append(Entry(ActorKind::kUser, "bob", "schedule.update", "schedule", "s1"));
  Advance(std::chrono::seconds(10));
  Append(Entry(ActorKind::kSchedule, "s1", "job.run", "job", "j1"));
  Advance(std::chrono::seconds(10));
  Append(Entry(ActorKind::kUser, "ana", "schedule.update", "schedule", "s1"));

  AuditFilter by_actor;
  by_actor.actor_kind = ActorKind::kUser;
  by_actor.actor_id = "ana";
  EXPECT_EQ(Actions(by_actor), (std::vector<std::string>{"schedule.update", "host.create"}));
  AuditFilter by_action;
  by_action.action = "schedule.update";
  EXPECT_EQ(Actions(by_action).size(), 2u);
  AuditFilter by_target;
  by_target.target_kind = "schedule";
  by_target.target_id = "s1";
  EXPECT_EQ(Actions(by_target).size(), 2u);
  AuditFilter by_kind;
  by_kind.actor_kind = ActorKind::kSchedule;
  EXPECT_EQ(Actions(by_kind), std::vector<std::string>{"job.run"});
  AuditFilter window;
  window.from = t0 + std::chrono::seconds(10);  // inclusive
  window.to = t0 + std::chrono::seconds(30);    // exclusive
  EXPECT_EQ(Actions(window), (std::vector<std::string>{"job.run", "schedule.update"}));
  AuditFilter none;
  none.action = "nothing";
  EXPECT_TRUE(Actions(none).empty());
}

TEST_P(AuditTest, PagingVisitsEveryEntryOnceNewestFirst) {
  for (int i = 0; i < 25; ++i) Append(Entry(ActorKind::kUser, "u", "a" + std::to_string(i), "", ""));
  const auto actions = Actions({});
  ASSERT_EQ(actions.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(actions[static_cast<size_t>(i)], "a" + std::to_string(24 - i));
}

// ------------------------------------------------- unit-of-work guarantees --

TEST_P(AuditTest, MutationAndItsAuditEntryCommitTogether) {
  const Host host = MakeHost();
  const auto version = Must(store().Write([&](WriteTx& tx) -> Result<int64_t> {
    auto bumped = tx.BumpHostScheduleVersion(host.id);
    if (!bumped.ok()) return bumped;
    auto logged = tx.AppendAudit(Entry(ActorKind::kUser, "ana", "schedule.push", "host", host.id));
    if (!logged.ok()) return logged.error();
    return bumped;
  }));
  EXPECT_EQ(version, 1);
  EXPECT_EQ(Actions({}), std::vector<std::string>{"schedule.push"});
}

TEST_P(AuditTest, ACallbackErrorRollsBackEverything) {
  const Host host = MakeHost();
  auto failed = store().Write([&](WriteTx& tx) -> Result<void> {
    auto bumped = tx.BumpHostScheduleVersion(host.id);
    if (!bumped.ok()) return bumped.error();
    auto logged = tx.AppendAudit(Entry(ActorKind::kUser, "ana", "schedule.push", "host", host.id));
    if (!logged.ok()) return logged.error();
    return MakeError(ErrorCode::kPermissionDenied, "changed my mind");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHostScheduleVersion(host.id); })), 0);
  EXPECT_TRUE(Actions({}).empty());
}

TEST_P(AuditTest, AThrowingCallbackRollsBackAndBecomesInternal) {
  const Host host = MakeHost();
  auto thrown = store().Write([&](WriteTx& tx) -> Result<void> {
    auto bumped = tx.BumpHostScheduleVersion(host.id);
    if (!bumped.ok()) return bumped.error();
    throw std::runtime_error("bug in a handler");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, ErrorCode::kInternal);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHostScheduleVersion(host.id); })), 0);
  auto read_threw = store().Read([](ReadTx&) -> Result<int> { throw std::logic_error("oops"); });
  EXPECT_EQ(read_threw.error().code, ErrorCode::kInternal);
  // The store is still usable afterwards.
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.BumpHostScheduleVersion(host.id); })), 1);
}

TEST_P(AuditTest, WriteInsideWriteIsRejectedNotDeadlocked) {
  auto nested = store().Write([&](WriteTx&) -> Result<void> {
    auto inner =
        store().Write([](WriteTx& tx) { return tx.AppendAudit(Entry(ActorKind::kUser, "", "x", "", "")); });
    if (inner.ok()) return Ok();
    return inner.error();
  });
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(Actions({}).empty());
}

TEST_P(AuditTest, WritesSeeTheirOwnUncommittedChanges) {
  const auto seen = Must(store().Write([&](WriteTx& tx) -> Result<std::string> {
    auto host = tx.CreateHost(NewHost{"fresh", "", true, ""});
    if (!host.ok()) return host.error();
    auto again = tx.GetHostByName("fresh");
    if (!again.ok()) return again.error();
    return again->id;
  }));
  EXPECT_FALSE(seen.empty());
}

INSTANTIATE_TEST_SUITE_P(store, AuditTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
