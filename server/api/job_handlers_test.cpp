// REST handlers: jobs (filters, paging, logs, run now, cancel) and the audit log.
#include <gtest/gtest.h>

#include <span>

#include "server/api/resource_test_fixture.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

class JobsApi : public ResourceApiTest {
 protected:
  void SetUp() override {
    ResourceApiTest::SetUp();
    host_ = MakeHost("web");
    repo_ = MakeRepository("nas");
    group_ = MakeGroup(host_, "etc");
    SetAgentPolicy(host_, "/srv/restore", false);
  }
  // What the host's agent reported in hello.
  void SetAgentPolicy(const std::string& host, const std::string& root, bool anywhere) {
    store::HostStatus status;
    status.restore_root = root;
    status.restore_anywhere = anywhere;
    status.hook_policy = "allow";
    auto set = Store().Write([&](store::WriteTx& tx) { return tx.UpdateHostStatus(host, status); });
    ASSERT_TRUE(set.ok()) << set.error().Describe();
  }
  json::object Restore(const std::string& target) const {
    return json::object{
        {"host_id", host_},
        {"kind", "restore"},
        {"repository_id", repo_},
        {"args",
         json::object{
             {"options", json::object{{"restore", json::object{{"snapshot_id", "abcdef01"},
                                                               {"include_paths", json::array{"/etc/hosts"}},
                                                               {"target", target}}}}}}}};
  }
  std::vector<store::AuditEntry> AuditOf(const std::string& action) {
    store::AuditFilter filter;
    filter.action = action;
    auto page = Store().Read([&](store::ReadTx& tx) { return tx.ListAudit(filter, store::PageRequest{}); });
    EXPECT_TRUE(page.ok());
    return page ? page->items : std::vector<store::AuditEntry>{};
  }
  json::object Backup() const {
    return json::object{
        {"host_id", host_}, {"kind", "backup"}, {"repository_id", repo_}, {"source_group_id", group_}};
  }
  std::string host_;
  std::string repo_;
  std::string group_;
};

TEST_F(JobsApi, RunNowQueuesAJobAndGetShowsProgressAndSummaryAsObjects) {
  auto made = As("operator", "POST", "/api/v1/jobs", Backup());
  ASSERT_EQ(made.status, 201u) << made.body;
  const auto job = made.Json().as_object();
  const std::string id(job.at("id").as_string());
  EXPECT_EQ(job.at("status"), "queued");
  EXPECT_EQ(job.at("kind"), "backup");
  EXPECT_EQ(job.at("actor_kind"), "user");
  EXPECT_EQ(job.at("actor_id"), "test-operator");
  EXPECT_EQ(job.at("source_group_id"), json::value(group_));
  EXPECT_TRUE(job.at("schedule_id").is_null());
  EXPECT_TRUE(job.at("progress").is_null());
  EXPECT_TRUE(job.at("summary").is_null());

  ASSERT_TRUE(Store()
                  .Write([&](store::WriteTx& tx) -> Result<void> {
                    auto running = tx.TransitionJob(id, store::JobStatus::kDispatched);
                    if (!running) return running.error();
                    return tx.SetJobProgress(id, R"({"percent_done":0.5,"files_done":10})");
                  })
                  .ok());
  auto got = As("viewer", "GET", "/api/v1/jobs/" + id);
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.Json().at("status"), "dispatched");
  EXPECT_EQ(got.Json().at("progress").at("files_done"), 10);
  EXPECT_FALSE(got.Json().at("dispatched_at").is_null());

  store::JobResult result;
  result.status = store::JobStatus::kSucceeded;
  result.exit_code = 0;
  result.snapshot_id = "abcdef0123456789";
  result.summary_json = R"({"files_new":3})";
  ASSERT_TRUE(Store().Write([&](store::WriteTx& tx) { return tx.FinishJob(id, result); }).ok());
  auto finished = As("viewer", "GET", "/api/v1/jobs/" + id);
  EXPECT_EQ(finished.Json().at("summary").at("files_new"), 3);
  EXPECT_EQ(finished.Json().at("exit_code"), 0);
  EXPECT_EQ(finished.Json().at("snapshot_id"), "abcdef0123456789");
  EXPECT_TRUE(finished.Json().at("error").is_null());
}

TEST_F(JobsApi, RunNowStoresKindArgsAndValidatesThem) {
  auto forget = As("operator", "POST", "/api/v1/jobs",
                   json::object{{"host_id", host_},
                                {"kind", "forget"},
                                {"repository_id", repo_},
                                {"args", json::object{{"retention", json::object{{"keep_last", 5}}}}}});
  ASSERT_EQ(forget.status, 201u) << forget.body;
  auto stored = Store().Read([&](store::ReadTx& tx) {
    return tx.GetJob(std::string(forget.Json().at("id").as_string()));
  });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(json::parse(stored->args_json),
            json::parse(R"({"retention":{"keep_last":5,"keep_tags":[],"prune":false}})"));
  auto restore = As("operator", "POST", "/api/v1/jobs",
                    json::object{{"host_id", host_},
                                 {"kind", "restore"},
                                 {"repository_id", repo_},
                                 {"args", json::object{{"options", json::object{{"restore", json::object{
                                                                                   {"snapshot_id", "abcdef01"},
                                                                                   {"target", "/srv/restore"}}}}}}}});
  EXPECT_EQ(restore.status, 201u) << restore.body;

  const std::string before = StoreState();
  const std::string unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
  const auto post = [&](const json::object& body) { return As("operator", "POST", "/api/v1/jobs", body); };
  EXPECT_TRUE(IsError(post(With(Backup(), "kind", "dance")), 400, "kind"));
  EXPECT_TRUE(IsError(post(json::object{{"host_id", host_}, {"kind", "backup"}, {"repository_id", repo_}}), 400,
                      "source_group_id"));
  EXPECT_TRUE(IsError(post(json::object{{"host_id", host_}, {"kind", "check"}}), 400, "repository_id"));
  EXPECT_TRUE(IsError(post(With(Backup(), "host_id", unknown)), 400, "host_id"));
  EXPECT_TRUE(IsError(post(With(Backup(), "repository_id", unknown)), 400, "repository_id"));
  EXPECT_TRUE(IsError(post(With(Backup(), "source_group_id", unknown)), 400, "source_group_id"));
  EXPECT_TRUE(IsError(post(With(With(Backup(), "kind", "forget"), "source_group_id", group_)), 400, "args.retention"));
  EXPECT_TRUE(IsError(post(With(With(Backup(), "kind", "restore"), "args", json::object{})), 400,
                      "args.options.restore"));
  EXPECT_TRUE(IsError(post(With(With(Backup(), "kind", "restore"), "args",
                                json::object{{"options", json::object{{"restore", json::object{
                                                                                      {"snapshot_id", "abcdef01"},
                                                                                      {"target", "/srv/../etc"}}}}}})),
                      400, "args.options.restore.target"));
  EXPECT_TRUE(IsError(post(With(Backup(), "args", json::object{{"options", json::object{{"check", json::object{}}}}})),
                      400, "args.options.check"));
  EXPECT_TRUE(IsError(post(With(Backup(), "args", json::array{})), 400, "args"));
  EXPECT_TRUE(IsError(As("viewer", "POST", "/api/v1/jobs", Backup()), 403));
  EXPECT_EQ(StoreState(), before);
}

// Operators restore only into the target host's restore root; the refusal
// is written to the audit log with everything the request named.
TEST_F(JobsApi, AnOperatorsRestoreOutsideTheRestoreRootIsRefusedAndAudited) {
  // The snapshot came from another host: the audit names it as the source.
  const std::string source = MakeHost("db");
  store::Snapshot snapshot;
  snapshot.id = "abcdef01" + std::string(56, '0');
  snapshot.short_id = "abcdef01";
  snapshot.hostname = "db.example";
  snapshot.host_id = source;
  ASSERT_TRUE(Store()
                  .Write([&](store::WriteTx& tx) {
                    return tx.UpsertSnapshots(repo_, std::span<const store::Snapshot>(&snapshot, 1));
                  })
                  .ok());
  for (const std::string target : {"/", "/etc", "/srv/restore-other", "/srv"}) {
    auto refused = As("operator", "POST", "/api/v1/jobs", Restore(target));
    EXPECT_TRUE(IsError(refused, 403, "args.options.restore.target")) << target << ": " << refused.body;
    EXPECT_NE(refused.body.find("/srv/restore"), std::string::npos) << refused.body;
  }
  EXPECT_TRUE(As("viewer", "GET", "/api/v1/jobs?kind=restore").Json().at("items").as_array().empty());
  const auto entries = AuditOf("job.restore_refused");
  ASSERT_EQ(entries.size(), 4u);
  const auto detail = json::parse(entries.front().detail_json).as_object();  // newest first: "/srv"
  EXPECT_EQ(entries.front().target_id, host_);
  EXPECT_EQ(detail.at("target").as_string(), "/srv");
  EXPECT_EQ(detail.at("snapshot_id").as_string(), "abcdef01");
  EXPECT_EQ(detail.at("repository_id").as_string(), repo_);
  EXPECT_EQ(detail.at("target_host_id").as_string(), host_);
  EXPECT_EQ(detail.at("source_host_id").as_string(), source);
  EXPECT_EQ(detail.at("source_hostname").as_string(), "db.example");
  EXPECT_EQ(detail.at("include_paths"), json::array{"/etc/hosts"});
  EXPECT_NE(detail.at("reason").as_string().find("restore root"), std::string::npos);

  // Inside the root an operator may restore; the job.run entry has the same details.
  auto inside = As("operator", "POST", "/api/v1/jobs", Restore("/srv/restore/db-etc"));
  ASSERT_EQ(inside.status, 201u) << inside.body;
  const auto runs = AuditOf("job.run");
  ASSERT_FALSE(runs.empty());
  const auto run = json::parse(runs.front().detail_json).as_object();
  EXPECT_EQ(run.at("target").as_string(), "/srv/restore/db-etc");
  EXPECT_EQ(run.at("source_host_id").as_string(), source);
  EXPECT_FALSE(run.at("outside_restore_root").as_bool());
}

// Outside the root (in place included) needs an admin *and* the host's
// consent as its agent reported it; with both, the job is queued and audited in full.
TEST_F(JobsApi, ARestoreOutsideTheRootNeedsAnAdminAndTheHostsConsent) {
  auto no_consent = As("admin", "POST", "/api/v1/jobs", Restore("/"));
  EXPECT_TRUE(IsError(no_consent, 403, "args.options.restore.target")) << no_consent.body;
  EXPECT_NE(no_consent.body.find("--allow-restore-anywhere"), std::string::npos) << no_consent.body;
  ASSERT_EQ(AuditOf("job.restore_refused").size(), 1u);

  SetAgentPolicy(host_, "/srv/restore", true);
  EXPECT_TRUE(
      IsError(As("operator", "POST", "/api/v1/jobs", Restore("/")), 403, "args.options.restore.target"))
      << "consent alone is not enough for an operator";
  auto in_place = As("admin", "POST", "/api/v1/jobs", Restore("/"));
  ASSERT_EQ(in_place.status, 201u) << in_place.body;
  const auto runs = AuditOf("job.run");
  ASSERT_EQ(runs.size(), 1u);
  const auto detail = json::parse(runs[0].detail_json).as_object();
  EXPECT_TRUE(detail.at("outside_restore_root").as_bool());
  EXPECT_EQ(detail.at("target").as_string(), "/");
  EXPECT_EQ(detail.at("target_host_id").as_string(), host_);
  EXPECT_EQ(detail.at("repository_id").as_string(), repo_);
  EXPECT_EQ(detail.at("snapshot_id").as_string(), "abcdef01");
  EXPECT_EQ(detail.at("include_paths"), json::array{"/etc/hosts"});
  EXPECT_TRUE(detail.at("source_host_id").is_null()) << "the snapshot is not in the index";
}

TEST_F(JobsApi, ARestoreOntoAHostWhoseAgentNeverReportedItsRootIsRefused) {
  const std::string fresh = MakeHost("fresh");
  auto body = Restore("/srv/restore/x");
  body["host_id"] = fresh;
  EXPECT_TRUE(IsError(As("admin", "POST", "/api/v1/jobs", body), 409, "args.options.restore.target"));
}

TEST_F(JobsApi, ListFiltersAndPagesNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto made = As("operator", "POST", "/api/v1/jobs", Backup());
    ids.emplace_back(made.Json().at("id").as_string());
  }
  Created("/api/v1/jobs", {{"host_id", host_}, {"kind", "check"}, {"repository_id", repo_}});
  auto checks = As("viewer", "GET", "/api/v1/jobs?kind=check");
  ASSERT_EQ(checks.Json().at("items").as_array().size(), 1u);
  auto queued = As("viewer", "GET", "/api/v1/jobs?status=queued&host_id=" + host_);
  EXPECT_EQ(queued.Json().at("items").as_array().size(), 6u);
  EXPECT_TRUE(As("viewer", "GET", "/api/v1/jobs?host_id=nope").Json().at("items").as_array().empty());

  std::vector<std::string> seen;
  std::string target = "/api/v1/jobs?kind=backup&limit=2";
  for (int guard = 0; guard < 10; ++guard) {
    auto page = As("viewer", "GET", target);
    ASSERT_EQ(page.status, 200u) << page.body;
    const json::value body = page.Json();
    for (const auto& item : body.at("items").as_array()) seen.emplace_back(item.at("id").as_string());
    if (page.Json().at("next_cursor").is_null()) break;
    target = "/api/v1/jobs?kind=backup&limit=2&cursor=" + std::string(page.Json().at("next_cursor").as_string());
  }
  ASSERT_EQ(seen.size(), 5u);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, ids);

  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs?status=sleeping"), 400, "status"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs?kind=BACKUP"), 400, "kind"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs?limit=-5"), 400, "limit"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs?cursor=bm90LWEtY3Vyc29y"), 400, "cursor"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404));
}

TEST_F(JobsApi, LogsPageBySequence) {
  const std::string id = Created("/api/v1/jobs", Backup());
  std::vector<store::JobLogLine> lines;
  for (int64_t seq = 0; seq < 5; ++seq) {
    lines.push_back(store::JobLogLine{seq, store::LogStream::kStdout, Clock::now(), "line " + std::to_string(seq)});
  }
  ASSERT_TRUE(Store().Write([&](store::WriteTx& tx) { return tx.AppendJobLogs(id, lines); }).ok());
  auto first = As("viewer", "GET", "/api/v1/jobs/" + id + "/logs?limit=2");
  ASSERT_EQ(first.status, 200u) << first.body;
  ASSERT_EQ(first.Json().at("items").as_array().size(), 2u);
  EXPECT_EQ(first.Json().at("items").at(0).at("text"), "line 0");
  EXPECT_EQ(first.Json().at("items").at(0).at("stream"), "stdout");
  EXPECT_EQ(first.Json().at("next_after_seq"), 1);
  auto rest = As("viewer", "GET", "/api/v1/jobs/" + id + "/logs?after_seq=1");
  ASSERT_EQ(rest.Json().at("items").as_array().size(), 3u);
  EXPECT_EQ(rest.Json().at("next_after_seq"), 4);
  auto none = As("viewer", "GET", "/api/v1/jobs/" + id + "/logs?after_seq=4");
  EXPECT_TRUE(none.Json().at("items").as_array().empty());
  EXPECT_EQ(none.Json().at("next_after_seq"), 4);
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs/" + id + "/logs?after_seq=-2"), 400, "after_seq"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs/" + id + "/logs?after_seq=x"), 400, "after_seq"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs/" + id + "/logs?limit=0"), 400, "limit"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/logs"), 404));
}

TEST_F(JobsApi, CancelQueuedNowDispatchedLaterFinishedNever) {
  const std::string queued = Created("/api/v1/jobs", Backup());
  auto cancelled = As("operator", "POST", "/api/v1/jobs/" + queued + "/cancel");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_EQ(cancelled.Json().at("status"), "cancelled");
  EXPECT_FALSE(cancelled.Json().at("finished_at").is_null());

  const std::string dispatched = Created("/api/v1/jobs", Backup());
  ASSERT_TRUE(Store().Write([&](store::WriteTx& tx) {
                       return tx.TransitionJob(dispatched, store::JobStatus::kDispatched);
                     }).ok());
  auto requested = As("operator", "POST", "/api/v1/jobs/" + dispatched + "/cancel");
  ASSERT_EQ(requested.status, 202u) << requested.body;
  EXPECT_EQ(requested.Json().at("status"), "dispatched");

  const std::string before = StoreState();
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/jobs/" + queued + "/cancel"), 409));
  EXPECT_TRUE(IsError(As("viewer", "POST", "/api/v1/jobs/" + dispatched + "/cancel"), 403));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel"), 404));
  EXPECT_EQ(StoreState(), before);

  auto audit = As("viewer", "GET", "/api/v1/audit?action=job.cancel");
  const auto entries = audit.Json().at("items").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].at("target_id"), json::value(dispatched));
  EXPECT_EQ(entries[0].at("detail").at("cancelled_now"), false);
  EXPECT_EQ(entries[1].at("detail").at("from"), "queued");
}

using AuditApi = ResourceApiTest;

TEST_F(AuditApi, FiltersByActorActionTargetAndTime) {
  const TimePoint t0 = std::chrono::sys_days{std::chrono::year{2026} / 4 / 1};
  for (int i = 0; i < 3; ++i) {
    store::AuditEntry entry;
    entry.at = t0 + std::chrono::hours(i);
    entry.actor_kind = i == 2 ? store::ActorKind::kSchedule : store::ActorKind::kUser;
    entry.actor_id = "actor-" + std::to_string(i);
    entry.action = i == 0 ? "host.create" : "job.run";
    entry.target_kind = i == 0 ? "host" : "job";
    entry.target_id = "t" + std::to_string(i);
    entry.detail_json = R"({"n":)" + std::to_string(i) + "}";
    ASSERT_TRUE(Store().Write([&](store::WriteTx& tx) { return tx.AppendAudit(entry); }).ok());
  }
  const auto count = [&](const std::string& query) {
    auto r = As("viewer", "GET", "/api/v1/audit" + query);
    EXPECT_EQ(r.status, 200u) << query << ": " << r.body;
    return r.Json().at("items").as_array().size();
  };
  EXPECT_EQ(count(""), 3u);
  EXPECT_EQ(count("?action=job.run"), 2u);
  EXPECT_EQ(count("?actor_kind=schedule"), 1u);
  EXPECT_EQ(count("?actor_id=actor-1"), 1u);
  EXPECT_EQ(count("?target_kind=host&target_id=t0"), 1u);
  EXPECT_EQ(count("?from=2026-04-01T01:00:00Z"), 2u);
  EXPECT_EQ(count("?to=2026-04-01T01:00:00Z"), 1u);
  EXPECT_EQ(count("?from=2026-04-01T00:30:00%2B00:00&to=2026-04-01T02:00:00Z"), 1u);
  auto newest = As("viewer", "GET", "/api/v1/audit?limit=1");
  EXPECT_EQ(newest.Json().at("items").at(0).at("detail").at("n"), 2);
  EXPECT_EQ(newest.Json().at("items").at(0).at("at"), "2026-04-01T02:00:00Z");
  auto older = As("viewer", "GET",
                  "/api/v1/audit?limit=1&cursor=" + std::string(newest.Json().at("next_cursor").as_string()));
  EXPECT_EQ(older.Json().at("items").at(0).at("detail").at("n"), 1);

  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/audit?from=yesterday"), 400, "from"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/audit?to=2026-13-01T00:00:00Z"), 400, "to"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/audit?from=%FF%FE"), 400, "from"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/audit?actor_kind=robot"), 400, "actor_kind"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/audit?limit=1000"), 400, "limit"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/audit?cursor=!!"), 400, "cursor"));
  EXPECT_TRUE(IsError(Call("GET", "/api/v1/audit"), 401));
}

}  // namespace
}  // namespace rmgr::server::api::testing
