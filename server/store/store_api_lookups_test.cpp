// Store suite: what the REST API needs beyond the agent's paths — host
// search, rename and delete, by-id lookups and paged listings.
#include <set>

#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

class ApiLookupsTest : public StoreTest {
 protected:
  // Every page of `list(page)`, concatenated, via next_cursor.
  template <class T, class List>
  std::vector<T> AllPages(List&& list, int limit) {
    std::vector<T> out;
    PageRequest page{.cursor = {}, .limit = limit};
    for (int guard = 0; guard < 100; ++guard) {
      Page<T> got = Must(store().Read([&](ReadTx& tx) { return list(tx, page); }));
      for (auto& item : got.items) out.push_back(std::move(item));
      if (got.next_cursor.empty()) break;
      page.cursor = got.next_cursor;
    }
    return out;
  }
};

TEST_P(ApiLookupsTest, SearchHostsMatchesNameOrHostnameCaseInsensitively) {
  MakeHost("web-1");
  MakeHost("web-2");
  MakeHost("db-1");
  MustOk(store().Write([](WriteTx& tx) -> Result<void> {
    auto made = tx.CreateHost(NewHost{"laptop", "Anna-WEB.example", false, ""});
    if (!made.ok()) return made.error();
    return Ok();
  }));
  auto names = [&](const std::string& q) {
    std::vector<std::string> out;
    for (const auto& host : AllPages<Host>(
             [&](ReadTx& tx, const PageRequest& page) { return tx.SearchHosts(HostFilter{q}, page); }, 2)) {
      out.push_back(host.name);
    }
    return out;
  };
  EXPECT_EQ(names("WEB"), (std::vector<std::string>{"laptop", "web-1", "web-2"}));
  EXPECT_EQ(names("-1"), (std::vector<std::string>{"db-1", "web-1"}));
  EXPECT_EQ(names("%"), std::vector<std::string>{});
  EXPECT_EQ(names("").size(), 4u);
}

TEST_P(ApiLookupsTest, RenameHostChecksUniquenessAndExistence) {
  const Host a = MakeHost("a");
  MakeHost("b");
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.RenameHost(a.id, "c"); })).name, "c");
  auto taken = store().Write([&](WriteTx& tx) { return tx.RenameHost(a.id, "b"); });
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kConflict);
  EXPECT_EQ(taken.error().field, "name");
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.RenameHost("nope", "x"); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.RenameHost(a.id, ""); }).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_P(ApiLookupsTest, DeleteHostTakesItsGroupsSchedulesAndJobs) {
  const Host host = MakeHost();
  const Host other = MakeHost();
  const Repository repo = MakeRepository();
  const SourceGroup group = MakeGroup(host.id);
  const ScheduleChange schedule = MakeSchedule(host.id, repo.id, {group.id});
  NewJob fired;
  fired.host_id = host.id;
  fired.schedule_id = schedule.schedule.id;
  fired.source_group_id = group.id;
  fired.repository_id = repo.id;
  fired.actor_kind = ActorKind::kSchedule;
  fired.scheduled_at = Now();
  const Job job = MakeJob(fired);
  const Job kept = MakeJob(other.id);
  MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
    auto dispatched = tx.TransitionJob(job.id, JobStatus::kDispatched);
    if (!dispatched.ok()) return dispatched.error();
    return tx.DeleteHost(host.id);
  }));
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); }).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetSourceGroupById(group.id); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetScheduleById(schedule.schedule.id); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetJob(job.id); }).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store().Read([&](ReadTx& tx) { return tx.GetJob(kept.id); }).ok());
  // The repository is free again.
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteRepository(repo.id); }));
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.DeleteHost(host.id); }).error().code, ErrorCode::kNotFound);
}

TEST_P(ApiLookupsTest, RepositoriesPageByName) {
  for (const char* name : {"d", "b", "a", "e", "c"}) MakeRepository(name);
  std::vector<std::string> names;
  for (const auto& repo : AllPages<Repository>(
           [](ReadTx& tx, const PageRequest& page) { return tx.ListRepositoriesPage(page); }, 2)) {
    names.push_back(repo.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.ListRepositoriesPage({"bad", 2}); }).error().field, "cursor");
}

TEST_P(ApiLookupsTest, SourceGroupsByIdAndPagedAcrossHosts) {
  const Host a = MakeHost();
  const Host b = MakeHost();
  const SourceGroup a1 = MakeGroup(a.id, "same");
  const SourceGroup b1 = MakeGroup(b.id, "same");
  MakeGroup(a.id, "alpha");
  MakeGroup(b.id, "zulu");
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetSourceGroupById(b1.id); })).host_id, b.id);
  const auto all = AllPages<SourceGroup>(
      [](ReadTx& tx, const PageRequest& page) { return tx.ListSourceGroupsPage(std::nullopt, page); }, 1);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name, "alpha");
  EXPECT_EQ(all[1].name, "same");
  EXPECT_EQ(all[2].name, "same");
  EXPECT_EQ(std::set<std::string>({all[1].id, all[2].id}), std::set<std::string>({a1.id, b1.id}));
  const auto only_a = AllPages<SourceGroup>(
      [&](ReadTx& tx, const PageRequest& page) { return tx.ListSourceGroupsPage(a.id, page); }, 1);
  ASSERT_EQ(only_a.size(), 2u);
  EXPECT_EQ(only_a[1].id, a1.id);
}

TEST_P(ApiLookupsTest, SchedulesByIdAndPagedWithTheirGroups) {
  const Host a = MakeHost();
  const Host b = MakeHost();
  const Repository repo = MakeRepository();
  const SourceGroup g1 = MakeGroup(a.id);
  const SourceGroup g2 = MakeGroup(a.id);
  const SourceGroup g3 = MakeGroup(b.id);
  const auto s1 = MakeSchedule(a.id, repo.id, {g2.id, g1.id}, "nightly");
  MakeSchedule(b.id, repo.id, {g3.id}, "hourly");
  MakeSchedule(a.id, repo.id, {}, "check");
  const auto by_id = Must(store().Read([&](ReadTx& tx) { return tx.GetScheduleById(s1.schedule.id); }));
  EXPECT_EQ(by_id.host_id, a.id);
  EXPECT_EQ(by_id.source_group_ids, (std::vector<std::string>{g2.id, g1.id}));
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetScheduleById("nope"); }).error().code,
            ErrorCode::kNotFound);
  const auto all = AllPages<Schedule>(
      [](ReadTx& tx, const PageRequest& page) { return tx.ListSchedulesPage(std::nullopt, page); }, 2);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "check");
  EXPECT_TRUE(all[0].source_group_ids.empty());
  EXPECT_EQ(all[1].name, "hourly");
  EXPECT_EQ(all[1].source_group_ids, std::vector<std::string>{g3.id});
  EXPECT_EQ(all[2].source_group_ids, (std::vector<std::string>{g2.id, g1.id}));
  const auto only_b = AllPages<Schedule>(
      [&](ReadTx& tx, const PageRequest& page) { return tx.ListSchedulesPage(b.id, page); }, 2);
  ASSERT_EQ(only_b.size(), 1u);
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.ListSchedulesPage(std::nullopt, {"x", 2}); }).error().field,
            "cursor");
}

INSTANTIATE_TEST_SUITE_P(store, ApiLookupsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
