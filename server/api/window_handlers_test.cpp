// REST handlers: the window record — every outcome of a schedule's windows,
// newest first, paging with a cursor, a host's schedules merged, bad
// parameters and unknown ids.
#include <gtest/gtest.h>

#include "server/api/resource_test_fixture.h"
#include "server/store/store.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using std::chrono::minutes;

class WindowsApi : public ResourceApiTest {
 protected:
  void SetUp() override {
    ResourceApiTest::SetUp();
    host_ = MakeHost("laptop");
    repo_ = MakeRepository("nas");
    group_ = MakeGroup(host_, "home");
    schedule_ = Created("/api/v1/schedules", {{"host_id", host_},
                                              {"name", "hourly"},
                                              {"kind", "backup"},
                                              {"cron", "0 * * * *"},
                                              {"repository_id", repo_},
                                              {"source_group_ids", Strings({group_})}});
    auto schedule = Store().Read([&](store::ReadTx& tx) { return tx.GetScheduleById(schedule_); });
    ASSERT_TRUE(schedule.ok());
    // The first slot after the schedule was made (the store's clock is the real one).
    first_ = std::chrono::ceil<hours>(schedule->created_at);
    PinClock(Slot(9) + minutes(1));  // slot 9 is due, 0..8 are history
  }

  TimePoint Slot(int k) const { return first_ + hours(k); }

  //! A scheduled job for slot k in `status` (reaching it the legal way).
  std::string JobFor(int k, store::JobStatus status) {
    auto made = Store().Write([&](store::WriteTx& tx) -> Result<std::string> {
      store::NewJob job;
      job.host_id = host_;
      job.actor_kind = store::ActorKind::kSchedule;
      job.schedule_id = schedule_;
      job.source_group_id = group_;
      job.repository_id = repo_;
      job.scheduled_at = Slot(k);
      auto created = tx.CreateJob(job);
      if (!created) return created.error();
      if (status == store::JobStatus::kQueued) return created->id;
      if (auto sent = tx.TransitionJob(created->id, store::JobStatus::kDispatched); !sent) return sent.error();
      if (status == store::JobStatus::kDispatched) return created->id;
      store::JobResult result;
      result.status = status;
      if (auto done = tx.FinishJob(created->id, result); !done) return done.error();
      return created->id;
    });
    EXPECT_TRUE(made.ok()) << made.error().Describe();
    return made.ok() ? *made : std::string();
  }

  void Note(int k, store::WindowNoteKind kind, std::string reason) {
    auto noted = Store().Write([&](store::WriteTx& tx) {
      return tx.RecordWindowNote(store::WindowNote{schedule_, "", Slot(k), kind, std::move(reason), {}});
    });
    EXPECT_TRUE(noted.ok());
  }

  void Presence(bool connected, TimePoint at) {
    store::HostStatus status;
    status.connected = connected;
    status.seen_at = at;
    EXPECT_TRUE(Store().Write([&](store::WriteTx& tx) { return tx.UpdateHostStatus(host_, status); }).ok());
  }

  //! "slot outcome [job|reason]" for each item of a windows answer.
  static std::vector<std::string> Lines(const Reply& reply) {
    std::vector<std::string> out;
    const json::value body = reply.Json();
    for (const auto& item : body.at("items").as_array()) {
      const auto& w = item.as_object();
      std::string line = std::string(w.at("slot").as_string()) + " " + std::string(w.at("outcome").as_string());
      if (!w.at("reason").is_null()) line += " " + std::string(w.at("reason").as_string());
      out.push_back(line);
    }
    return out;
  }

  std::string Line(int k, std::string rest) const { return FormatRfc3339Utc(Slot(k)) + " " + rest; }

  std::string Window(const std::string& id, const std::string& query = {}) {
    return "/api/v1/schedules/" + id + "/windows" + query;
  }

  std::string host_;
  std::string repo_;
  std::string group_;
  std::string schedule_;
  TimePoint first_;
};

TEST_F(WindowsApi, EveryWindowIsAccountedForNewestFirst) {
  const std::string queued = JobFor(8, store::JobStatus::kQueued);
  JobFor(7, store::JobStatus::kDispatched);
  JobFor(6, store::JobStatus::kSucceeded);
  JobFor(5, store::JobStatus::kPartial);
  ASSERT_TRUE(Store()
                  .Write([&](store::WriteTx& tx) {
                    return tx.UpsertPendingRun(store::PendingRun{schedule_, host_, Slot(4), Slot(4)});
                  })
                  .ok());
  Note(3, store::WindowNoteKind::kRefused, "schedule disabled");
  Note(2, store::WindowNoteKind::kCoalesced, "");
  // The agent was connected from before slot 0 to half past slot 0, then
  // from slot 1 on: slot 0 and 1 are accounted for, nothing else was offline.
  Presence(true, Slot(0) - minutes(5));
  Presence(false, Slot(0) + minutes(30));
  Presence(true, Slot(1) + minutes(59));
  Presence(false, Slot(1) + minutes(59) + std::chrono::seconds(1));
  Presence(true, Slot(2));
  Presence(false, Slot(9) - minutes(40));  // gone since: slot 9 is due, not missed

  const Reply reply = As("viewer", "GET", Window(schedule_));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(Lines(reply), (std::vector<std::string>{
                              Line(9, "due"),
                              Line(8, "queued"),
                              Line(7, "running"),
                              Line(6, "succeeded"),
                              Line(5, "partial"),
                              Line(4, "pending"),
                              Line(3, "refused schedule disabled"),
                              Line(2, "missed repository busy; a later fire replaced this pending run"),
                              Line(1, "missed host offline"),
                              Line(0, "missed no fire received from the agent"),
                          }));
  const json::value body = reply.Json();
  const auto& item = body.at("items").at(1).as_object();
  EXPECT_EQ(item.at("job_id"), json::value(queued));
  EXPECT_EQ(item.at("schedule_id"), json::value(schedule_));
  EXPECT_EQ(item.at("source_group_id"), json::value(group_));
  EXPECT_TRUE(reply.Json().at("next_cursor").is_null());
}

TEST_F(WindowsApi, ARetryAnswersTheWindowItRetries) {
  JobFor(3, store::JobStatus::kFailed);
  auto retried = Store().Write([&](store::WriteTx& tx) {
    store::NewJob retry;
    retry.host_id = host_;
    retry.actor_kind = store::ActorKind::kCatchup;
    retry.schedule_id = schedule_;
    retry.source_group_id = group_;
    retry.window_slot = Slot(3);
    return tx.CreateJob(retry);
  });
  ASSERT_TRUE(retried.ok());
  const Reply reply = As("viewer", "GET", Window(schedule_, "?limit=1&to=" + FormatRfc3339Utc(Slot(4))));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(Lines(reply), std::vector<std::string>{Line(3, "queued")});
  EXPECT_EQ(reply.Json().at("items").at(0).at("job_id"), json::value(retried->id));
}

TEST_F(WindowsApi, TimeTheServerWasNotRunningIsServerDown) {
  // One run that starts now (real time, before slot 0) and is never touched again.
  ASSERT_TRUE(Store().Write([](store::WriteTx& tx) { return tx.StartServerRun(); }).ok());
  const Reply reply = As("viewer", "GET", Window(schedule_, "?limit=2"));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(Lines(reply), (std::vector<std::string>{Line(9, "due"), Line(8, "missed server down")}));
}

TEST_F(WindowsApi, PagesFollowTheCursorUntilTheRangeEnds) {
  JobFor(6, store::JobStatus::kSucceeded);
  const Reply all = As("viewer", "GET", Window(schedule_));
  ASSERT_EQ(all.status, 200u);
  std::vector<std::string> paged;
  std::string query = "?limit=3";
  int pages = 0;
  for (; pages < 10; ++pages) {
    const Reply page = As("viewer", "GET", Window(schedule_, query));
    ASSERT_EQ(page.status, 200u) << page.body;
    const auto lines = Lines(page);
    EXPECT_LE(lines.size(), 3u);
    paged.insert(paged.end(), lines.begin(), lines.end());
    const json::value cursor = page.Json().at("next_cursor");
    if (cursor.is_null()) break;
    query = "?limit=3&cursor=" + std::string(cursor.as_string());
  }
  EXPECT_EQ(pages, 3);  // 10 slots: 3 + 3 + 3 + 1
  EXPECT_EQ(paged, Lines(all));
  // from narrows the range; the schedule's creation bounds it anyway.
  const Reply narrow = As("viewer", "GET", Window(schedule_, "?from=" + FormatRfc3339Utc(Slot(8))));
  EXPECT_EQ(Lines(narrow).size(), 2u);
}

TEST_F(WindowsApi, AHostListsTheWindowsOfAllItsSchedulesMerged) {
  const std::string prune = Created("/api/v1/schedules", {{"host_id", host_},
                                                          {"name", "prune"},
                                                          {"kind", "prune"},
                                                          {"cron", "30 */3 * * *"},
                                                          {"repository_id", repo_}});
  const Reply reply = As("viewer", "GET", "/api/v1/hosts/" + host_ + "/windows?limit=4");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const json::value body = reply.Json();
  const auto& items = body.at("items").as_array();
  ASSERT_FALSE(items.empty());
  std::string previous = "9999";
  int prunes = 0;
  for (const auto& item : items) {
    const std::string slot(item.at("slot").as_string());
    EXPECT_LE(slot, previous);
    previous = slot;
    if (item.at("schedule_id") == json::value(prune)) {
      ++prunes;
      EXPECT_TRUE(item.at("source_group_id").is_null());
    }
  }
  EXPECT_EQ(items.size(), 4u);  // four distinct instants: no two schedules share one here
  EXPECT_GE(prunes, 1);
  EXPECT_FALSE(reply.Json().at("next_cursor").is_null());
  const Reply rest = As("viewer", "GET",
                        "/api/v1/hosts/" + host_ + "/windows?limit=500&cursor=" +
                            std::string(reply.Json().at("next_cursor").as_string()));
  ASSERT_EQ(rest.status, 200u) << rest.body;
  const Reply all = As("viewer", "GET", "/api/v1/hosts/" + host_ + "/windows?limit=500");
  EXPECT_EQ(items.size() + rest.Json().at("items").as_array().size(), all.Json().at("items").as_array().size());
  EXPECT_TRUE(rest.Json().at("next_cursor").is_null());
}

TEST_F(WindowsApi, BadParametersAreRefusedWithTheirName) {
  EXPECT_TRUE(IsError(As("viewer", "GET", Window(schedule_, "?from=yesterday")), 400, "from"));
  EXPECT_TRUE(IsError(As("viewer", "GET", Window(schedule_, "?to=2026-13-01T00:00:00Z")), 400, "to"));
  EXPECT_TRUE(IsError(As("viewer", "GET", Window(schedule_, "?limit=0")), 400, "limit"));
  EXPECT_TRUE(IsError(As("viewer", "GET", Window(schedule_, "?limit=501")), 400, "limit"));
  EXPECT_TRUE(IsError(As("viewer", "GET", Window(schedule_, "?limit=ten")), 400, "limit"));
  EXPECT_TRUE(IsError(As("viewer", "GET", Window(schedule_, "?cursor=bogus")), 400, "cursor"));
  const Reply backwards = As("viewer", "GET",
                             Window(schedule_, "?from=" + FormatRfc3339Utc(Slot(5)) + "&to=" + FormatRfc3339Utc(Slot(2))));
  EXPECT_TRUE(IsError(backwards, 400, "from"));
  EXPECT_NE(backwards.body.find("from must be before to"), std::string::npos) << backwards.body;
  // A cursor of another listing is not a windows cursor.
  const Reply hosts = As("viewer", "GET", "/api/v1/hosts?limit=1");
  MakeHost("second");
  const Reply hosts_page = As("viewer", "GET", "/api/v1/hosts?limit=1");
  ASSERT_TRUE(hosts_page.Json().at("next_cursor").is_string()) << hosts.body;
  EXPECT_TRUE(IsError(
      As("viewer", "GET", Window(schedule_, "?cursor=" + std::string(hosts_page.Json().at("next_cursor").as_string()))),
      400, "cursor"));
}

TEST_F(WindowsApi, UnknownSchedulesAndHostsAreNotFound) {
  EXPECT_TRUE(IsError(As("viewer", "GET", Window("01HZZZZZZZZZZZZZZZZZZZZZZZ")), 404));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/hosts/01HZZZZZZZZZZZZZZZZZZZZZZZ/windows"), 404));
}

}  // namespace
}  // namespace rmgr::server::api::testing
