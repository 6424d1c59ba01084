// REST handlers: schedules (cron and zone validation with the shared
// engine, next fire times, version bumps, admin-only hooks, run now).
#include <gtest/gtest.h>

#include "common/cron/cron_parser.h"
#include "server/api/resource_test_fixture.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using std::chrono::sys_days;
using std::chrono::year;

class SchedulesApi : public ResourceApiTest {
 protected:
  void SetUp() override {
    ResourceApiTest::SetUp();
    host_ = MakeHost("web");
    repo_ = MakeRepository("nas");
    group_ = MakeGroup(host_, "etc");
  }

  json::object Body(std::string name = "nightly") const {
    return json::object{{"host_id", host_},       {"name", std::move(name)},
                        {"kind", "backup"},       {"cron", "0 3 * * *"},
                        {"repository_id", repo_}, {"source_group_ids", Strings({group_})}};
  }

  std::string host_;
  std::string repo_;
  std::string group_;
};

TEST_F(SchedulesApi, CreateAnswersNextFiresAndBumpsTheHostVersion) {
  PinClock(sys_days{year{2026} / 5 / 10} + hours(12));
  const int64_t before = HostVersion(host_);
  auto made = As("operator", "POST", "/api/v1/schedules",
                 With(With(Body(), "jitter_seconds", 120), "timezone", "Europe/Berlin"));
  ASSERT_EQ(made.status, 201u) << made.body;
  const auto s = made.Json().as_object();
  EXPECT_EQ(s.at("kind"), "backup");
  EXPECT_EQ(s.at("timezone"), "Europe/Berlin");
  EXPECT_EQ(s.at("enabled"), true);
  EXPECT_EQ(s.at("jitter_seconds"), 120);
  EXPECT_EQ(s.at("hook_timeout_seconds"), 300);
  EXPECT_EQ(s.at("max_runtime_seconds"), 0) << "0: the agent's default for the kind";
  EXPECT_TRUE(s.at("pre_hook").is_null());
  EXPECT_TRUE(s.at("retention").is_null());
  EXPECT_EQ(s.at("source_group_ids"), json::value(Strings({group_})));
  EXPECT_EQ(s.at("schedule_version"), before + 1);
  EXPECT_EQ(HostVersion(host_), before + 1);
  EXPECT_EQ(s.at("next_fires"), json::value(Strings({"2026-05-11T03:00:00+02:00", "2026-05-12T03:00:00+02:00",
                                                     "2026-05-13T03:00:00+02:00", "2026-05-14T03:00:00+02:00",
                                                     "2026-05-15T03:00:00+02:00"})));
  const std::string id(s.at("id").as_string());
  auto got = As("viewer", "GET", "/api/v1/schedules/" + id);
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.Json(), made.Json());
}

TEST_F(SchedulesApi, NextFiresFollowDaylightSavingInTheSchedulesZone) {
  // Spring forward in New York on 2026-03-08: 02:30 does not exist that day.
  PinClock(sys_days{year{2026} / 3 / 6} + hours(12));
  auto spring = As("operator", "POST", "/api/v1/schedules",
                   With(With(Body("spring"), "cron", "30 2 * * *"), "timezone", "America/New_York"));
  ASSERT_EQ(spring.status, 201u) << spring.body;
  EXPECT_EQ(spring.Json().at("next_fires"),
            json::value(Strings({"2026-03-07T02:30:00-05:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00",
                                 "2026-03-11T02:30:00-04:00", "2026-03-12T02:30:00-04:00"})));
  // Fall back on 2026-11-01: an hourly schedule fires in both 01:00 hours.
  PinClock(sys_days{year{2026} / 11 / 1} + hours(4) + std::chrono::minutes(30));
  auto fall = As("operator", "POST", "/api/v1/schedules",
                 With(With(Body("fall"), "cron", "0 * * * *"), "timezone", "America/New_York"));
  ASSERT_EQ(fall.status, 201u) << fall.body;
  EXPECT_EQ(fall.Json().at("next_fires"),
            json::value(Strings({"2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00",
                                 "2026-11-01T03:00:00-05:00", "2026-11-01T04:00:00-05:00"})));
}

TEST_F(SchedulesApi, PatchAndDeleteBumpTheVersionAndDisableClearsNextFires) {
  const std::string id = MakeSchedule(host_, repo_, {group_});
  const int64_t v1 = HostVersion(host_);
  auto disabled = As("operator", "PATCH", "/api/v1/schedules/" + id, json::object{{"enabled", false}});
  ASSERT_EQ(disabled.status, 200u) << disabled.body;
  EXPECT_EQ(disabled.Json().at("enabled"), false);
  EXPECT_TRUE(disabled.Json().at("next_fires").as_array().empty());
  EXPECT_EQ(disabled.Json().at("schedule_version"), v1 + 1);
  EXPECT_EQ(disabled.Json().at("cron"), "0 3 * * *");

  auto forget = As("operator", "PATCH", "/api/v1/schedules/" + id,
                   json::object{{"kind", "forget"},
                                {"source_group_ids", json::array{}},
                                {"retention", json::object{{"keep_daily", 7}, {"keep_within", "1y6m"}}}});
  ASSERT_EQ(forget.status, 200u) << forget.body;
  EXPECT_EQ(forget.Json().at("retention"),
            json::value(json::object{{"keep_daily", 7}, {"keep_within", "1y6m"}, {"keep_tags", json::array{}},
                                     {"prune", false}}));
  EXPECT_EQ(HostVersion(host_), v1 + 2);
  // Back to a backup: the policy must be cleared ({} clears it).
  auto back = As("operator", "PATCH", "/api/v1/schedules/" + id,
                 json::object{{"kind", "backup"}, {"source_group_ids", Strings({group_})}});
  EXPECT_TRUE(IsError(back, 400, "retention"));
  auto cleared = As("operator", "PATCH", "/api/v1/schedules/" + id,
                    json::object{{"kind", "backup"}, {"source_group_ids", Strings({group_})}, {"retention", json::object{}}});
  ASSERT_EQ(cleared.status, 200u) << cleared.body;
  EXPECT_TRUE(cleared.Json().at("retention").is_null());

  EXPECT_EQ(As("operator", "DELETE", "/api/v1/schedules/" + id).status, 204u);
  EXPECT_EQ(HostVersion(host_), v1 + 4);
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/schedules/" + id), 404));
  auto audit = As("viewer", "GET", "/api/v1/audit?target_kind=schedule&target_id=" + id);
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 5u);
  EXPECT_EQ(audit.Json().at("items").at(0).at("action"), "schedule.delete");
  EXPECT_EQ(audit.Json().at("items").at(0).at("detail").at("schedule_version"), v1 + 4);
}

TEST_F(SchedulesApi, CronAndTimezoneErrorsNameTheFieldWithTheEnginesMessage) {
  const std::string before = StoreState();
  for (const char* cron : {"61 * * * *", "* * *", "0 3 * * 8", "@sometimes", "CRON_TZ=Mars/Base 0 3 * * *", ""}) {
    auto r = As("operator", "POST", "/api/v1/schedules", With(Body(), "cron", cron));
    EXPECT_TRUE(IsError(r, 400, "cron")) << cron;
    auto engine = cron::ParseCron(cron);
    if (!engine.ok() && std::string_view(cron).size() > 0) {
      EXPECT_EQ(std::string(r.Json().at("error").at("message").as_string()), engine.error().message) << cron;
    }
  }
  for (const char* zone : {"Mars/Base", "Local", "", "America/New_Yrok"}) {
    EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/schedules", With(Body(), "timezone", zone)), 400, "timezone"))
        << zone;
  }
  EXPECT_EQ(StoreState(), before);
}

TEST_F(SchedulesApi, HooksAreAdminOnly) {
  const std::string before = StoreState();
  auto refused = As("operator", "POST", "/api/v1/schedules", With(Body(), "pre_hook", "systemctl stop db"));
  EXPECT_TRUE(IsError(refused, 403, "pre_hook"));
  EXPECT_EQ(refused.ErrorCode(), "permission_denied");
  EXPECT_EQ(StoreState(), before);

  auto made = As("admin", "POST", "/api/v1/schedules",
                 With(With(Body(), "pre_hook", "systemctl stop db"), "post_hook", "systemctl start db"));
  ASSERT_EQ(made.status, 201u) << made.body;
  EXPECT_EQ(made.Json().at("pre_hook"), "systemctl stop db");
  const std::string id(made.Json().at("id").as_string());
  const std::string with_hooks = StoreState();
  EXPECT_TRUE(IsError(
      As("operator", "PATCH", "/api/v1/schedules/" + id, json::object{{"post_hook", "rm -rf /"}}), 403, "post_hook"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", "/api/v1/schedules/" + id, json::object{{"pre_hook", ""}}), 403));
  EXPECT_EQ(StoreState(), with_hooks);
  // An operator may change other fields, and may resend the hooks unchanged.
  auto renamed = As("operator", "PATCH", "/api/v1/schedules/" + id,
                    json::object{{"name", "renamed"}, {"pre_hook", "systemctl stop db"}});
  ASSERT_EQ(renamed.status, 200u) << renamed.body;
  EXPECT_EQ(renamed.Json().at("post_hook"), "systemctl start db");
  auto cleared = As("admin", "PATCH", "/api/v1/schedules/" + id, json::object{{"pre_hook", ""}});
  ASSERT_EQ(cleared.status, 200u);
  EXPECT_TRUE(cleared.Json().at("pre_hook").is_null());
}

TEST_F(SchedulesApi, ValidationReferencesAndConflictsChangeNothing) {
  const std::string other_host = MakeHost("db");
  const std::string foreign_group = MakeGroup(other_host, "db");
  MakeSchedule(host_, repo_, {group_}, "taken");
  const std::string before = StoreState();
  const std::string target = "/api/v1/schedules";
  const std::string unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
  const auto post = [&](const json::object& body) { return As("operator", "POST", target, body); };
  EXPECT_TRUE(IsError(post(With(Body(), "kind", "restore")), 400, "kind"));
  EXPECT_TRUE(IsError(post(With(Body(), "kind", 3)), 400, "kind"));
  EXPECT_TRUE(IsError(post(With(Body(), "source_group_ids", json::array{})), 400, "source_group_ids"));
  EXPECT_TRUE(IsError(post(With(Body(), "source_group_ids", Strings({group_, group_}))), 400, "source_group_ids"));
  EXPECT_TRUE(IsError(post(With(Body(), "source_group_ids", Strings({foreign_group}))), 400, "source_group_ids[0]"));
  EXPECT_TRUE(IsError(post(With(Body(), "source_group_ids", Strings({group_, unknown}))), 400, "source_group_ids[1]"));
  EXPECT_TRUE(IsError(post(With(Body(), "repository_id", unknown)), 400, "repository_id"));
  EXPECT_TRUE(IsError(post(With(Body(), "host_id", unknown)), 400, "host_id"));
  EXPECT_TRUE(IsError(post(With(Body(), "host_id", "../../etc")), 400, "host_id"));
  EXPECT_TRUE(IsError(post(With(Body(), "kind", "forget")), 400, "retention"));
  EXPECT_TRUE(IsError(post(With(With(Body(), "kind", "forget"), "retention", json::object{{"prune", true}})), 400,
                      "retention"));
  EXPECT_TRUE(IsError(post(With(Body(), "retention", json::object{{"keep_last", 3}})), 400, "retention"));
  EXPECT_TRUE(IsError(post(With(With(Body(), "kind", "forget"), "retention", json::object{{"keep_within", "1w"}})),
                      400, "retention.keep_within"));
  EXPECT_TRUE(IsError(post(With(With(Body(), "kind", "forget"), "retention", json::object{{"keep_last", 0}})), 400,
                      "retention.keep_last"));
  EXPECT_TRUE(IsError(post(With(Body(), "options", json::object{{"check", json::object{}}})), 400, "options.check"));
  EXPECT_TRUE(IsError(post(With(Body(), "options", json::object{{"backup", json::object{{"extra_tags", Strings({"a,b"})}}}})),
                      400, "options.backup.extra_tags[0]"));
  EXPECT_TRUE(IsError(post(With(Body(), "options", json::object{{"prune", true}})), 400, "options.prune"));
  EXPECT_TRUE(IsError(post(With(Body(), "jitter_seconds", -1)), 400, "jitter_seconds"));
  EXPECT_TRUE(IsError(post(With(Body(), "max_runtime_seconds", -1)), 400, "max_runtime_seconds"));
  EXPECT_TRUE(IsError(post(With(Body(), "max_runtime_seconds", 7 * 86400 + 1)), 400, "max_runtime_seconds"));
  EXPECT_TRUE(IsError(post(With(Body(), "hook_timeout_seconds", 0)), 400, "hook_timeout_seconds"));
  EXPECT_TRUE(IsError(post(With(Body(), "enabled", "yes")), 400, "enabled"));
  EXPECT_TRUE(IsError(post(Body("taken")), 409, "name"));
  EXPECT_TRUE(IsError(As("viewer", "POST", target, Body("other")), 403));
  const std::string id = MakeSchedule(host_, repo_, {group_}, "second");
  const std::string with_second = StoreState();
  EXPECT_TRUE(IsError(As("operator", "PATCH", target + "/" + id, json::object{{"host_id", other_host}}), 400,
                      "host_id"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", target + "/" + id, json::object{{"cron", "0 25 * * *"}}), 400, "cron"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", target + "/" + id, json::object{{"name", "taken"}}), 409, "name"));
  EXPECT_TRUE(IsError(As("viewer", "PATCH", target + "/" + id, json::object{{"enabled", false}}), 403));
  EXPECT_TRUE(IsError(As("viewer", "DELETE", target + "/" + id), 403));
  EXPECT_TRUE(IsError(As("operator", "PATCH", target + "/" + unknown, json::object{{"enabled", false}}), 404));
  EXPECT_TRUE(IsError(As("operator", "DELETE", target + "/" + unknown), 404));
  EXPECT_TRUE(IsError(As("operator", "POST", target + "/" + unknown + "/run"), 404));
  EXPECT_EQ(StoreState(), with_second);
  EXPECT_NE(with_second, before);
}

TEST_F(SchedulesApi, RunQueuesOneJobPerSourceGroup) {
  const std::string second = MakeGroup(host_, "home", {"/home"});
  const std::string id = MakeSchedule(host_, repo_, {group_, second});
  const std::string before = StoreState();
  EXPECT_TRUE(IsError(As("viewer", "POST", "/api/v1/schedules/" + id + "/run"), 403));
  EXPECT_EQ(StoreState(), before);
  auto run = As("operator", "POST", "/api/v1/schedules/" + id + "/run");
  ASSERT_EQ(run.status, 201u) << run.body;
  const auto jobs = run.Json().at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 2u);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(jobs[i].at("status"), "queued");
    EXPECT_EQ(jobs[i].at("kind"), "backup");
    EXPECT_EQ(jobs[i].at("actor_kind"), "user");
    EXPECT_EQ(jobs[i].at("actor_id"), "test-operator");
    EXPECT_EQ(jobs[i].at("schedule_id"), json::value(id));
    EXPECT_EQ(jobs[i].at("repository_id"), json::value(repo_));
    EXPECT_EQ(jobs[i].at("source_group_id"), json::value(i == 0 ? group_ : second));
    EXPECT_TRUE(jobs[i].at("scheduled_at").is_null());
  }
  // Running again makes two more (run-now is not a fire slot).
  ASSERT_EQ(As("operator", "POST", "/api/v1/schedules/" + id + "/run").status, 201u);
  auto listed = As("viewer", "GET", "/api/v1/jobs?host_id=" + host_);
  EXPECT_EQ(listed.Json().at("items").as_array().size(), 4u);
  auto audit = As("viewer", "GET", "/api/v1/audit?action=schedule.run");
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 2u);
  EXPECT_EQ(audit.Json().at("items").at(1).at("detail").at("job_ids").as_array().size(), 2u);
}

TEST_F(SchedulesApi, ListFiltersByHostWithEachHostsVersion) {
  const std::string other = MakeHost("db");
  const std::string other_group = MakeGroup(other, "db");
  MakeSchedule(host_, repo_, {group_}, "a");
  MakeSchedule(other, repo_, {other_group}, "b");
  MakeSchedule(other, repo_, {other_group}, "c");
  auto all = As("viewer", "GET", "/api/v1/schedules?limit=2");
  ASSERT_EQ(all.status, 200u) << all.body;
  ASSERT_EQ(all.Json().at("items").as_array().size(), 2u);
  EXPECT_FALSE(all.Json().at("next_cursor").is_null());
  auto mine = As("viewer", "GET", "/api/v1/schedules?host_id=" + other);
  const auto items = mine.Json().at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("schedule_version"), HostVersion(other));
  EXPECT_EQ(items[0].at("next_fires").as_array().size(), 5u);
}

}  // namespace
}  // namespace rmgr::server::api::testing
