// The lost-job sweep.
#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

// ================================================================ lost sweep

TEST_F(FireTest, SweepMarksASilentDispatchedJobLost) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string job = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());

  EXPECT_EQ(Controller().SweepLostJobs(), 0);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kDispatched);

  AdvanceClock(std::chrono::minutes(11));
  EXPECT_EQ(Controller().SweepLostJobs(), 1);
  const store::Job lost = JobOf(job);
  EXPECT_EQ(lost.status, store::JobStatus::kLost);
  EXPECT_EQ(lost.error_kind, store::ErrorKind::kLost);
  const auto audits = Audits("job.lost");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].target_kind, "job");
  EXPECT_EQ(audits[0].target_id, job);
  EXPECT_FALSE(HostOf(host_.id).current_job_id.has_value());
  EXPECT_EQ(Controller().SweepLostJobs(), 0);  // once
}

TEST_F(FireTest, SweepSparesARunningJobOfAConnectedHostButNotOfAGoneOne) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string job = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());
  ASSERT_TRUE(client->Send(Started(job)));
  ASSERT_TRUE(client->Sync());

  AdvanceClock(std::chrono::minutes(11));
  EXPECT_EQ(Controller().SweepLostJobs(), 0);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kRunning);

  client->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));
  EXPECT_EQ(Controller().SweepLostJobs(), 1);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kLost);
  EXPECT_EQ(Audits("job.lost").size(), 1u);
}

TEST_F(FireTest, WordAboutAnotherHostsJobDoesNotKeepItAlive) {
  const TestHost other = MakeHost("desktop");
  auto owner = ConnectAndGreet(host_);
  ASSERT_TRUE(owner);
  const std::string job = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  ASSERT_TRUE(owner->Expect<protocol::CommandRun>());

  auto intruder = ConnectAndGreet(other);
  ASSERT_TRUE(intruder);
  AdvanceClock(std::chrono::minutes(11));
  protocol::JobProgress progress;
  progress.job_id = job;
  ASSERT_TRUE(intruder->Send(progress));
  ASSERT_TRUE(intruder->Sync());
  const int lost = Controller().SweepLostJobs();
  EXPECT_EQ(lost, 1);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kLost);
}

}  // namespace
}  // namespace rmgr::server::scheduling
