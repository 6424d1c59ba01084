// REST handler: POST /fleet/actions — run now, cancel and change mode on
// every host a label selector matches, one audit entry with a result per
// host, the agents told after the commit, bad bodies refused without a change.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "server/api/resource_test_fixture.h"
#include "server/store/store.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

class FleetApi : public ResourceApiTest {
 protected:
  void SetUp() override {
    ResourceApiTest::SetUp();
    Deps().agents = &agents_;
    repo_ = MakeRepository("nas");
    lap1_ = Labelled("lap-1", {{"role", "laptop"}, {"site", "berlin"}});
    lap2_ = Labelled("lap-2", {{"role", "laptop"}, {"site", "lab"}});
    lap3_ = Labelled("lap-3", {{"role", "laptop"}, {"site", "berlin"}});
    srv_ = Labelled("srv-1", {{"role", "server"}});
    for (const auto& host : {lap1_, lap2_, srv_}) {
      MakeSchedule(host, repo_, {MakeGroup(host, "home"), MakeGroup(host, "etc")});
    }
    // lap-3 has a group but no schedule: run_now has nothing to run there.
    MakeGroup(lap3_, "home");
  }

  std::string Labelled(const std::string& name, json::object labels) {
    return Created("/api/v1/hosts", json::object{{"name", name}, {"labels", std::move(labels)}});
  }

  // The results of an answer, by host name.
  static std::map<std::string, json::object> ByHost(const json::value& answer) {
    std::map<std::string, json::object> out;
    for (const auto& r : answer.at("results").as_array()) {
      out[std::string(r.at("host_name").as_string())] = r.as_object();
    }
    return out;
  }

  std::size_t UnfinishedJobs(const std::string& host_id) {
    auto jobs = As("viewer", "GET", "/api/v1/jobs?host_id=" + host_id + "&status=queued");
    return jobs.Json().at("items").as_array().size();
  }

  RecordingAgents agents_;
  std::string repo_, lap1_, lap2_, lap3_, srv_;
};

TEST_F(FleetApi, RunNowQueuesEveryMatchingHostsBackupsAndAuditsOnce) {
  auto ran = As("operator", "POST", "/api/v1/fleet/actions",
                json::object{{"action", "run_now"}, {"selector", "role=laptop, site!=lab"}});
  ASSERT_EQ(ran.status, 200u) << ran.body;
  EXPECT_EQ(ran.Json().at("selector"), "role=laptop,site!=lab");
  EXPECT_EQ(ran.Json().at("matched"), 2);
  auto results = ByHost(ran.Json());
  ASSERT_EQ(results.size(), 2u) << ran.body;
  EXPECT_EQ(results["lap-1"].at("outcome"), "queued");
  EXPECT_EQ(results["lap-1"].at("job_ids").as_array().size(), 2u) << "one job per source group";
  EXPECT_EQ(results["lap-3"].at("outcome"), "skipped");
  EXPECT_NE(std::string(results["lap-3"].at("message").as_string()).find("no enabled backup schedule"),
            std::string::npos);
  EXPECT_EQ(UnfinishedJobs(lap1_), 2u);
  EXPECT_EQ(UnfinishedJobs(lap2_), 0u) << "site=lab is left out";
  EXPECT_EQ(UnfinishedJobs(srv_), 0u);
  {
    std::lock_guard lock(agents_.mu);
    EXPECT_EQ(agents_.queued, (std::vector<std::string>{lap1_}));
  }

  auto audit = As("viewer", "GET", "/api/v1/audit?action=fleet.run_now");
  const auto entries = audit.Json().at("items").as_array();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].at("actor_id"), "test-operator");
  EXPECT_EQ(entries[0].at("detail").at("matched"), 2);
  EXPECT_EQ(entries[0].at("detail").at("kind"), "backup");
  EXPECT_EQ(entries[0].at("detail").at("hosts").as_array().size(), 2u);
}

TEST_F(FleetApi, CancelEndsQueuedJobsAtOnceAndAsksAgentsForRunningOnes) {
  ASSERT_EQ(As("operator", "POST", "/api/v1/fleet/actions",
               json::object{{"action", "run_now"}, {"selector", "role"}})
                .status,
            200u);
  // One of lap-1's jobs is already on its agent.
  auto lap1_jobs = As("viewer", "GET", "/api/v1/jobs?host_id=" + lap1_).Json().at("items").as_array();
  ASSERT_EQ(lap1_jobs.size(), 2u);
  const std::string running(lap1_jobs.at(0).at("id").as_string());
  ASSERT_TRUE(
      Store()
          .Write([&](store::WriteTx& tx) { return tx.TransitionJob(running, store::JobStatus::kDispatched); })
          .ok());

  auto cancelled = As("operator", "POST", "/api/v1/fleet/actions",
                      json::object{{"action", "cancel"}, {"selector", "role=laptop"}});
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  auto results = ByHost(cancelled.Json());
  EXPECT_EQ(results["lap-1"].at("outcome"), "cancel_requested");
  EXPECT_EQ(results["lap-1"].at("job_ids").as_array().size(), 2u);
  EXPECT_EQ(results["lap-2"].at("outcome"), "cancelled");
  EXPECT_EQ(results["lap-3"].at("outcome"), "skipped");
  EXPECT_EQ(UnfinishedJobs(lap1_), 0u);
  EXPECT_EQ(UnfinishedJobs(lap2_), 0u);
  EXPECT_EQ(UnfinishedJobs(srv_), 2u) << "the server is not a laptop";
  auto dispatched = As("viewer", "GET", "/api/v1/jobs/" + running);
  EXPECT_EQ(dispatched.Json().at("status"), "dispatched") << "its agent finishes it";
  std::lock_guard lock(agents_.mu);
  EXPECT_EQ(agents_.cancels, (std::vector<std::string>{lap1_ + "/" + running}));
}

TEST_F(FleetApi, SetModeChangesOnlyHostsThatDifferAndAllHostsMustBeSaidOutLoud) {
  auto set = As("operator", "POST", "/api/v1/fleet/actions",
                json::object{{"action", "set_mode"}, {"selector", "role=laptop"}, {"mode", "intermittent"}});
  ASSERT_EQ(set.status, 200u) << set.body;
  EXPECT_EQ(ByHost(set.Json())["lap-2"].at("outcome"), "changed");
  EXPECT_EQ(As("viewer", "GET", "/api/v1/hosts/" + lap2_).Json().at("mode"), "intermittent");
  EXPECT_EQ(As("viewer", "GET", "/api/v1/hosts/" + srv_).Json().at("mode"), "always_on");

  auto all = As("operator", "POST", "/api/v1/fleet/actions",
                json::object{{"action", "set_mode"}, {"all_hosts", true}, {"mode", "intermittent"}});
  ASSERT_EQ(all.status, 200u) << all.body;
  EXPECT_EQ(all.Json().at("matched"), 4);
  auto results = ByHost(all.Json());
  EXPECT_EQ(results["lap-1"].at("outcome"), "unchanged");
  EXPECT_EQ(results["srv-1"].at("outcome"), "changed");
}

TEST_F(FleetApi, BadRequestsAreRefusedAndChangeNothing) {
  const std::string before = StoreState();
  const auto post = [&](std::string_view role, json::object body) {
    return As(role, "POST", "/api/v1/fleet/actions", std::move(body));
  };
  EXPECT_TRUE(IsError(post("viewer", {{"action", "run_now"}, {"selector", "role=laptop"}}), 403));
  EXPECT_TRUE(IsError(post("operator", {{"action", "reboot"}, {"selector", "role=laptop"}}), 400, "action"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "run_now"}, {"selector", ""}}), 400, "selector"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "run_now"}}), 400, "selector"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "run_now"}, {"all_hosts", false}}), 400, "selector"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "run_now"}, {"selector", "role=="}}), 400));
  EXPECT_TRUE(IsError(post("operator", {{"action", "run_now"}, {"selector", "role"}, {"all_hosts", true}}),
                      400, "all_hosts"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "set_mode"}, {"selector", "role"}}), 400, "mode"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "set_mode"}, {"selector", "role"}, {"mode", "sometimes"}}),
                      400, "mode"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "cancel"}, {"selector", "role"}, {"kind", "backup"}}), 400,
                      "kind"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "run_now"}, {"selector", "role"}, {"kind", "restore"}}),
                      400, "kind"));
  EXPECT_TRUE(IsError(post("operator", {{"action", "run_now"}, {"selector", "role"}, {"extra", 1}}), 400));
  EXPECT_EQ(StoreState(), before);
}

TEST_F(FleetApi, ASelectorThatMatchesNoHostIsAnEmptyResultStillAudited) {
  auto none = As("operator", "POST", "/api/v1/fleet/actions",
                 json::object{{"action", "run_now"}, {"selector", "role=printer"}});
  ASSERT_EQ(none.status, 200u) << none.body;
  EXPECT_EQ(none.Json().at("matched"), 0);
  EXPECT_TRUE(none.Json().at("results").as_array().empty());
  EXPECT_EQ(As("viewer", "GET", "/api/v1/audit?action=fleet.run_now").Json().at("items").as_array().size(),
            1u);
}

}  // namespace
}  // namespace rmgr::server::api::testing
