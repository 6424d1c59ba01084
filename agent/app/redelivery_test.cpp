#include "agent/app/redelivery.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "common/protocol/envelope.h"

namespace rmgr::agent {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSchedule = "01HZX3P00000000000000SCHED";
constexpr std::string_view kJob = "01HZX3P0000000000000000J0B";

// Pending fires and results the test controls, a manual clock, and a log of what was sent.
class Harness {
 public:
  explicit Harness(Redelivery::Options options = {}) {
    options.now = [this] { return now_; };
    Redelivery::Sources sources{
        .fires = [this] { return fires; },
        .results = [this] { return results; },
        .report =
            [this] {
              return protocol::JobsRunning{.running_job_ids = running, .unacked_job_ids = {}, .at = {}};
            },
        .send =
            [this](protocol::Payload payload) {
              if (!accept) return false;
              sent.push_back(std::string(protocol::TypeName(payload)));
              return true;
            },
    };
    redelivery_ = std::make_unique<Redelivery>(std::move(sources), options);
  }

  Redelivery& redelivery() { return *redelivery_; }
  //! Advances the clock and ticks; returns what went out meanwhile.
  std::vector<std::string> After(std::chrono::milliseconds d) {
    now_ += d;
    sent.clear();
    redelivery_->Tick();
    return sent;
  }

  std::vector<protocol::ScheduleFire> fires;
  std::vector<protocol::JobResult> results;
  std::vector<std::string> running;
  std::vector<std::string> sent;
  bool accept = true;

 private:
  Redelivery::SteadyTime now_{};
  std::unique_ptr<Redelivery> redelivery_;
};

protocol::ScheduleFire Fire() {
  return protocol::ScheduleFire{
      .schedule_id = std::string(kSchedule), .scheduled_at = TimePoint{} + 1h, .late = {}};
}

protocol::JobResult Result() {
  return protocol::JobResult{.job_id = std::string(kJob), .status = protocol::JobStatus::kSucceeded};
}

using Sent = std::vector<std::string>;

TEST(Redelivery, NothingGoesOutBeforeReadyAndEverythingPendingGoesOutOnReady) {
  Harness h;
  h.fires = {Fire()};
  h.results = {Result()};
  EXPECT_TRUE(h.After(10min).empty()) << "not before hello.ok, not even jobs.running";
  h.redelivery().OnReady();
  EXPECT_EQ(h.sent, (Sent{"schedule.fire", "job.result"}));
}

TEST(Redelivery, AnUnansweredFireIsSentAgainEveryThirtySecondsOnTheSameConnection) {
  Redelivery::Options options;
  options.report_every = 24h;
  Harness h(options);
  h.redelivery().OnReady();
  h.fires = {Fire()};  // fired while ready: the sink sent it
  EXPECT_TRUE(h.After(1s).empty());
  EXPECT_TRUE(h.After(29s).empty());
  EXPECT_EQ(h.After(1s), (Sent{"schedule.fire"}));
  EXPECT_TRUE(h.After(29s).empty());
  EXPECT_EQ(h.After(1s), (Sent{"schedule.fire"}));
  h.fires.clear();  // answered
  EXPECT_TRUE(h.After(5min).empty());
}

TEST(Redelivery, AnUnackedResultIsResentAfterThirtySecondsThenLessAndLessOften) {
  Redelivery::Options options;
  options.report_every = 24h;
  Harness h(options);
  h.redelivery().OnReady();
  h.results = {Result()};
  EXPECT_TRUE(h.After(1s).empty());
  EXPECT_EQ(h.After(30s), (Sent{"job.result"}));
  EXPECT_TRUE(h.After(59s).empty());
  EXPECT_EQ(h.After(1s), (Sent{"job.result"}));  // 60 s
  EXPECT_TRUE(h.After(119s).empty());
  EXPECT_EQ(h.After(1s), (Sent{"job.result"}));  // 120 s
  EXPECT_EQ(h.After(240s), (Sent{"job.result"}));
  EXPECT_TRUE(h.After(299s).empty()) << "capped at five minutes";
  EXPECT_EQ(h.After(1s), (Sent{"job.result"}));
}

TEST(Redelivery, AFrameTheConnectionRefusedIsRetriedTheSameWay) {
  Harness h;
  h.accept = false;
  h.fires = {Fire()};
  h.redelivery().OnReady();
  EXPECT_TRUE(h.sent.empty()) << "the write queue was full";
  h.accept = true;
  EXPECT_TRUE(h.After(29s).empty());
  EXPECT_EQ(h.After(1s), (Sent{"schedule.fire"}));
}

TEST(Redelivery, JobsRunningGoesOutEveryMinuteWhileReadyOnly) {
  Harness h;
  h.running = {std::string(kJob)};
  h.redelivery().OnReady();
  EXPECT_TRUE(h.sent.empty()) << "the hello just said what runs";
  EXPECT_TRUE(h.After(59s).empty());
  EXPECT_EQ(h.After(1s), (Sent{"jobs.running"}));
  EXPECT_EQ(h.After(60s), (Sent{"jobs.running"}));
  h.redelivery().OnClosed();
  EXPECT_TRUE(h.After(10min).empty());
  h.redelivery().OnReady();
  EXPECT_TRUE(h.sent.empty());
  EXPECT_EQ(h.After(60s), (Sent{"jobs.running"}));
}

TEST(Redelivery, TheTimerTicksUntilStopped) {
  boost::asio::io_context io;
  int reports = 0;
  Redelivery::Options options;
  options.tick = 1ms;
  options.report_every = 0ms;
  Redelivery::Sources sources{
      .fires = [] { return std::vector<protocol::ScheduleFire>{}; },
      .results = [] { return std::vector<protocol::JobResult>{}; },
      .report = [] { return protocol::JobsRunning{}; },
      .send =
          [&](protocol::Payload) {
            if (++reports == 3) io.stop();
            return true;
          },
  };
  Redelivery redelivery(io.get_executor(), sources, options);
  redelivery.OnReady();
  io.run_for(10s);
  EXPECT_GE(reports, 3);
  redelivery.Stop();
}

}  // namespace
}  // namespace rmgr::agent
