// REST handlers: a repository's size series (range, latest on the
// repository record), measuring now (host choice, no second open job,
// roles, audit), each host's last drill, and drill schedules with their
// options.
#include <gtest/gtest.h>

#include <mutex>

#include "server/api/resource_test_fixture.h"
#include "server/store/store.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;
using std::chrono::hours;

class StatsApi : public ResourceApiTest {
 protected:
  void SetUp() override {
    ResourceApiTest::SetUp();
    Deps().agents = &queued_;
    host_ = MakeHost("server");
    repo_ = MakeRepository("nas");
    group_ = MakeGroup(host_, "home");
    MakeSchedule(host_, repo_, {group_});
  }

  void AddPoint(TimePoint at, int64_t raw) {
    store::RepositoryStatsRow row;
    row.repository_id = repo_;
    row.at = at;
    row.raw_data_bytes = raw;
    row.restore_size_bytes = raw * 2;
    row.snapshots = 3;
    row.blobs = 4;
    ASSERT_TRUE(Store().Write([&](store::WriteTx& tx) { return tx.AddRepositoryStats(row); }).ok());
  }

  RecordingAgents queued_;
  std::string host_, repo_, group_;
};

TEST_F(StatsApi, SeriesIsOldestFirstFromSinceAndTheLatestIsOnTheRepository) {
  const TimePoint t0 = std::chrono::floor<std::chrono::seconds>(Clock::now()) - hours(72);
  AddPoint(t0, 1000);
  AddPoint(t0 + hours(24), 1200);
  AddPoint(t0 + hours(48), 900);  // after a prune
  auto all = As("viewer", "GET", "/api/v1/repositories/" + repo_ + "/stats");
  ASSERT_EQ(all.status, 200u) << all.body;
  const json::value body = all.Json();
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("raw_data_bytes").as_int64(), 1000);
  EXPECT_EQ(items[2].at("raw_data_bytes").as_int64(), 900);
  EXPECT_EQ(items[2].at("restore_size_bytes").as_int64(), 1800);
  EXPECT_TRUE(items[2].at("uncompressed_bytes").is_null());
  EXPECT_EQ(items[2].at("at").as_string(), FormatRfc3339Utc(t0 + hours(48)));

  auto recent = As("viewer", "GET",
                   "/api/v1/repositories/" + repo_ + "/stats?since=" + FormatRfc3339Utc(t0 + hours(24)));
  ASSERT_EQ(recent.status, 200u);
  EXPECT_EQ(recent.Json().at("items").as_array().size(), 2u);

  auto repository = As("viewer", "GET", "/api/v1/repositories/" + repo_);
  ASSERT_EQ(repository.status, 200u);
  EXPECT_EQ(repository.Json().at("latest_stats").at("raw_data_bytes").as_int64(), 900);
  auto list = As("viewer", "GET", "/api/v1/repositories");
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.Json().at("items").at(0).at("latest_stats").at("raw_data_bytes").as_int64(), 900);
  const std::string other = MakeRepository("empty");
  EXPECT_TRUE(As("viewer", "GET", "/api/v1/repositories/" + other).Json().at("latest_stats").is_null());

  EXPECT_TRUE(
      IsError(As("viewer", "GET", "/api/v1/repositories/" + repo_ + "/stats?since=yesterday"), 400, "since"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/repositories/01J00000000000000000000000/stats"), 404));
}

TEST_F(StatsApi, MeasureNowQueuesOneStatsJobOnAHostThatUsesTheRepository) {
  EXPECT_TRUE(IsError(As("viewer", "POST", "/api/v1/repositories/" + repo_ + "/stats"), 403));
  const int64_t audits = AuditCount();
  auto made = As("operator", "POST", "/api/v1/repositories/" + repo_ + "/stats");
  ASSERT_EQ(made.status, 201u) << made.body;
  const json::object job = made.Json().as_object();  // a copy: Json() answers a temporary
  EXPECT_EQ(job.at("kind").as_string(), "stats");
  EXPECT_EQ(job.at("status").as_string(), "queued");
  EXPECT_EQ(job.at("host_id").as_string(), host_);
  EXPECT_EQ(job.at("repository_id").as_string(), repo_);
  EXPECT_EQ(queued_.queued, std::vector<std::string>{host_});
  EXPECT_EQ(AuditCount(), audits + 1);

  const std::string before = StoreState();
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/repositories/" + repo_ + "/stats"), 409))
      << "one stats job at a time";
  EXPECT_EQ(StoreState(), before);

  const std::string unused = MakeRepository("unused");
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/repositories/" + unused + "/stats"), 409))
      << "no host has a schedule on it";
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/repositories/01J00000000000000000000000/stats"), 404));
}

TEST_F(StatsApi, DrillSchedulesTakeTheirOptionsAndNeedAGroup) {
  json::object body{{"host_id", host_},
                    {"name", "drill"},
                    {"kind", "drill"},
                    {"cron", "0 4 * * 0"},
                    {"repository_id", repo_},
                    {"source_group_ids", Strings({group_})},
                    {"options", json::object{{"drill", json::object{{"sample_files", 5}}}}}};
  auto made = As("operator", "POST", "/api/v1/schedules", body);
  ASSERT_EQ(made.status, 201u) << made.body;
  const json::value schedule = made.Json();
  const auto& drill = schedule.at("options").at("drill");
  EXPECT_EQ(drill.at("sample_files").as_int64(), 5);
  EXPECT_EQ(drill.at("max_bytes").as_int64(), int64_t{256} << 20) << "the default";

  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/schedules",
                         With(With(body, "name", "no-group"), "source_group_ids", json::array{})),
                      400, "source_group_ids"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/schedules",
                         With(With(body, "name", "big"), "options",
                              json::object{{"drill", json::object{{"sample_files", 5000}}}})),
                      400));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/schedules",
                         With(With(With(body, "name", "wrong"), "kind", "backup"), "options",
                              json::object{{"drill", json::object{{"sample_files", 5}}}})),
                      400, "options.drill"));
  EXPECT_TRUE(
      IsError(As("operator", "POST", "/api/v1/schedules", With(With(body, "name", "stats"), "kind", "stats")),
              400, "kind"))
      << "stats runs per repository, not on a schedule";
}

TEST_F(StatsApi, LatestDrillsNameEachHostsNewestFinishedDrill) {
  auto none = As("viewer", "GET", "/api/v1/drills/latest");
  ASSERT_EQ(none.status, 200u);
  EXPECT_TRUE(none.Json().at("items").as_array().empty());
  auto made = Store().Write([&](store::WriteTx& tx) -> Result<store::Job> {
    store::NewJob job;
    job.host_id = host_;
    job.kind = store::JobKind::kDrill;
    job.repository_id = repo_;
    job.source_group_id = group_;
    auto created = tx.CreateJob(job);
    if (!created) return created;
    if (auto sent = tx.TransitionJob(created->id, store::JobStatus::kDispatched); !sent) return sent.error();
    store::JobResult result;
    result.status = store::JobStatus::kFailed;
    result.error_kind = store::ErrorKind::kVerifyMismatch;
    result.error = "1 of 2 sampled files came back different";
    result.summary_json =
        R"({"snapshot_id":"abcdef01","sampled":2,"verified":1,"size_only":0,"mismatched":1,)"
        R"("unreadable":0,"bytes_restored":20,"mismatched_paths":["/home/a"],"unreadable_paths":[]})";
    auto finished = tx.FinishJob(created->id, result);
    if (!finished) return finished.error();
    return finished->job;
  });
  ASSERT_TRUE(made.ok()) << made.error().Describe();
  auto latest = As("viewer", "GET", "/api/v1/drills/latest");
  ASSERT_EQ(latest.status, 200u);
  const json::value body = latest.Json();
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("host_id").as_string(), host_);
  const auto& job = items[0].at("job");
  EXPECT_EQ(job.at("kind").as_string(), "drill");
  EXPECT_EQ(job.at("status").as_string(), "failed");
  EXPECT_EQ(job.at("error_kind").as_string(), "verify_mismatch");
  EXPECT_EQ(job.at("summary").at("mismatched").as_int64(), 1);
}

}  // namespace
}  // namespace rmgr::server::api::testing
