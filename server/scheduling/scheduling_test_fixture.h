#pragma once
// The scheduling core at the protocol level: a real SQLite store, a real
// HttpServer + AgentHub on 127.0.0.1, and FakeAgentClient playing the agent.
// Waits are "until the condition holds, at most kWait"; nothing asserts on
// speed. Where a test must show that something did *not* happen on a timer,
// it waits for a control host's timer of the same length to have fired.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/util/ulid.h"
#include "server/api/api_test_fixture.h"
#include "server/auth/credentials.h"
#include "server/auth/secret_box.h"
#include "server/http/http_server.h"
#include "server/scheduling/scheduling_core.h"
#include "server/ws/agent_authenticator.h"
#include "server/ws/agent_hub.h"
#include "server/ws/fake_agent_client.h"

namespace rmgr::server::scheduling {

namespace json = boost::json;
using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test fixture header

using Client = std::unique_ptr<ws::testing::FakeAgentClient>;

constexpr auto kWait = std::chrono::milliseconds(10000);
constexpr std::string_view kPassword = "correct horse battery staple";

//! A host the tests made, with the agent token only its agent would know.
struct TestHost {
  std::string id;
  std::string token;
};

//! What the server says right after a hello.
struct Greeting {
  protocol::HelloOk ok;
  protocol::ScheduleSet set;
};

//! A cron slot: 2026-03-01T03:00Z plus `hours`.
inline TimePoint Slot(int hours) {
  using namespace std::chrono;
  return sys_days{year{2026} / March / 1} + 3h + hours * 1h;
}

inline TimePoint Ms(TimePoint t) {
  return std::chrono::floor<std::chrono::milliseconds>(t);
}

template <class T>
std::vector<T> Of(const std::vector<protocol::Envelope>& frames) {
  std::vector<T> out;
  for (const auto& frame : frames) {
    if (const auto* payload = std::get_if<T>(&frame.payload)) out.push_back(*payload);
  }
  return out;
}

class SchedulingTest : public api::testing::ApiFixture {
 protected:
  void SetUp() override { StartAgents(Options()); }
  void TearDown() override { StopAgents(); }

  //! The controller's options; fixtures for timer tests override them.
  virtual SchedulingOptions Options() {
    SchedulingOptions options;
    options.catchup_settle = 200ms;
    options.lost_after = std::chrono::minutes(10);
    options.sweep_interval = std::chrono::hours(1);  // the tests call SweepLostJobs() themselves
    options.now = [this] { return Now(); };
    return options;
  }

  // ------------------------------------------------------------ server

  void StartAgents(SchedulingOptions options) {
    // Again after StopAgents: a server restart over the same store.
    io_.restart();
    threads_done_ = 0;
    ws::HubOptions hub_options;
    hub_options.ping_interval = 1s;
    hub_options.idle_timeout = 30s;
    hub_options.handshake_timeout = 2s;
    hub_ = std::make_unique<ws::AgentHub>(
        io_, [this](std::string_view token) { return ws::AuthenticateAgent(Store(), token); }, hub_options);
    controller_ = std::make_unique<SchedulingCore>(Store(), Deps().secrets, *hub_, std::move(options));
    hub_->SetEvents(controller_.get());
    http_ = std::make_unique<http::HttpServer>(io_, std::make_shared<http::Router>());
    http_->SetUpgradeHandler("/agent/ws",
                             [this](tls::MaybeTlsStream stream, http::Request request, std::string remote) {
                               hub_->Accept(std::move(stream), std::move(request), std::move(remote));
                             });
    auto endpoint = http_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(endpoint.ok()) << endpoint.error().Describe();
    port_ = endpoint->port();
    http_->Start();
    for (int i = 0; i < 2; ++i) {
      threads_.emplace_back([this] {
        io_.run();
        ++threads_done_;
      });
    }
  }

  // Stops listener, controller and hub, then waits (bounded) until the
  // io_context ran out of work: every connection ended, every event fired.
  void StopAgents() {
    if (http_) http_->Stop();
    if (controller_) controller_->Stop();
    if (hub_) hub_->Stop();
    const bool drained =
        WaitFor([&] { return threads_done_.load() == static_cast<int>(threads_.size()); }, 15s);
    if (!drained) {
      ADD_FAILURE() << "the io_context did not run out of work after Stop()";
      io_.stop();
    }
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    // The core's thread handles the goodbyes the stopping hub reported;
    // destroying it waits for them, before anything they publish to is gone.
    controller_.reset();
  }

  // ------------------------------------------------------------ clock

  //! The controller's wall clock: the real one, moved by AdvanceClock.
  TimePoint Now() const { return Clock::now() + std::chrono::milliseconds(skew_ms_.load()); }
  void AdvanceClock(std::chrono::milliseconds by) { skew_ms_ += by.count(); }

  // ------------------------------------------------------------ records

  TestHost MakeHost(const std::string& name, bool always_on = true) {
    TestHost host;
    host.token = auth::NewToken("rmh_");
    store::NewHost record;
    record.name = name;
    record.always_on = always_on;
    record.token_hash = auth::HashToken(host.token);
    auto created = Store().Write([&](store::WriteTx& tx) { return tx.CreateHost(record); });
    EXPECT_TRUE(created.ok()) << created.error().Describe();
    if (created) host.id = created->id;
    return host;
  }

  std::string MakeRepository(const std::string& name, std::string_view password = kPassword) {
    store::Repository repository;
    repository.name = name;
    repository.url = "sftp:backup@nas:/srv/restic/" + name;
    auth::SealedSecret sealed = Deps().secrets.Seal(password);
    repository.secret_ciphertext = std::move(sealed.ciphertext);
    repository.secret_nonce = std::move(sealed.nonce);
    auto created = Store().Write([&](store::WriteTx& tx) { return tx.CreateRepository(repository); });
    EXPECT_TRUE(created.ok()) << created.error().Describe();
    return created ? created->id : std::string{};
  }

  std::string MakeGroup(const std::string& host_id, const std::string& name, std::vector<std::string> paths,
                        std::vector<std::string> excludes = {}, std::vector<std::string> tags = {}) {
    store::SourceGroup group;
    group.host_id = host_id;
    group.name = name;
    group.paths = std::move(paths);
    group.excludes = std::move(excludes);
    group.tags = std::move(tags);
    auto created = Store().Write([&](store::WriteTx& tx) { return tx.CreateSourceGroup(group); });
    EXPECT_TRUE(created.ok()) << created.error().Describe();
    return created ? created->id : std::string{};
  }

  //! An enabled daily backup schedule (not yet stored).
  static store::Schedule Backup(const std::string& host_id, const std::string& repository_id,
                                std::vector<std::string> group_ids, const std::string& name = "nightly") {
    store::Schedule schedule;
    schedule.host_id = host_id;
    schedule.name = name;
    schedule.kind = store::JobKind::kBackup;
    schedule.cron = "0 3 * * *";
    schedule.repository_id = repository_id;
    schedule.source_group_ids = std::move(group_ids);
    return schedule;
  }

  std::string Create(const store::Schedule& schedule) {
    auto created = Store().Write([&](store::WriteTx& tx) { return tx.CreateSchedule(schedule); });
    EXPECT_TRUE(created.ok()) << created.error().Describe();
    return created ? created->schedule.id : std::string{};
  }

  //! A queued run-now backup of `group_id` into `repository_id`.
  std::string QueueJob(const std::string& host_id, const std::string& repository_id,
                       const std::string& group_id) {
    store::NewJob job;
    job.host_id = host_id;
    job.kind = store::JobKind::kBackup;
    job.actor_kind = store::ActorKind::kUser;
    job.actor_id = "test-operator";
    job.repository_id = repository_id;
    job.source_group_id = group_id;
    auto created = Store().Write([&](store::WriteTx& tx) { return tx.CreateJob(job); });
    EXPECT_TRUE(created.ok()) << created.error().Describe();
    return created ? created->id : std::string{};
  }

  //! Records a succeeded job of `schedule_id` × `group_id` (finished now, by the store's clock).
  void SucceededBefore(const store::Schedule& schedule, const std::string& schedule_id,
                       const std::string& group_id) {
    auto done = Store().Write([&](store::WriteTx& tx) -> Result<store::FinishOutcome> {
      store::NewJob job;
      job.host_id = schedule.host_id;
      job.kind = store::JobKind::kBackup;
      job.actor_kind = store::ActorKind::kSchedule;
      job.actor_id = schedule_id;
      job.schedule_id = schedule_id;
      job.source_group_id = group_id;
      job.repository_id = schedule.repository_id;
      job.scheduled_at = Slot(-24 * 400);
      auto created = tx.CreateJob(job);
      if (!created) return created.error();
      if (auto moved = tx.TransitionJob(created->id, store::JobStatus::kDispatched); !moved)
        return moved.error();
      if (auto moved = tx.TransitionJob(created->id, store::JobStatus::kRunning); !moved)
        return moved.error();
      store::JobResult result;
      result.status = store::JobStatus::kSucceeded;
      result.exit_code = 0;
      return tx.FinishJob(created->id, result);
    });
    ASSERT_TRUE(done.ok()) << done.error().Describe();
  }

  store::Host HostOf(const std::string& id) {
    auto host = Store().Read([&](store::ReadTx& tx) { return tx.GetHost(id); });
    EXPECT_TRUE(host.ok()) << host.error().Describe();
    return host ? *host : store::Host{};
  }

  store::Job JobOf(const std::string& id) {
    auto job = Store().Read([&](store::ReadTx& tx) { return tx.GetJob(id); });
    EXPECT_TRUE(job.ok()) << job.error().Describe();
    return job ? *job : store::Job{};
  }

  //! Every job of the host, oldest first.
  std::vector<store::Job> JobsOf(const std::string& host_id) {
    auto page = Store().Read([&](store::ReadTx& tx) {
      return tx.ListJobs(store::JobFilter{host_id, std::nullopt, std::nullopt},
                         store::PageRequest{"", store::kMaxPageLimit});
    });
    EXPECT_TRUE(page.ok()) << page.error().Describe();
    if (!page) return {};
    std::vector<store::Job> jobs = page->items;
    std::reverse(jobs.begin(), jobs.end());
    return jobs;
  }

  std::vector<store::Job> JobsBy(const std::string& host_id, store::ActorKind actor) {
    std::vector<store::Job> out;
    for (auto& job : JobsOf(host_id)) {
      if (job.actor_kind == actor) out.push_back(std::move(job));
    }
    return out;
  }

  std::vector<store::PendingRun> PendingOf(const std::string& host_id) {
    auto runs = Store().Read([&](store::ReadTx& tx) { return tx.ListPendingRuns(host_id); });
    EXPECT_TRUE(runs.ok()) << runs.error().Describe();
    return runs ? *runs : std::vector<store::PendingRun>{};
  }

  std::vector<store::AuditEntry> Audits(const std::string& action) {
    store::AuditFilter filter;
    filter.action = action;
    auto page = Store().Read([&](store::ReadTx& tx) {
      return tx.ListAudit(filter, store::PageRequest{"", store::kMaxPageLimit});
    });
    EXPECT_TRUE(page.ok()) << page.error().Describe();
    return page ? page->items : std::vector<store::AuditEntry>{};
  }

  std::vector<store::JobLogLine> LogsOf(const std::string& job_id) {
    auto lines =
        Store().Read([&](store::ReadTx& tx) { return tx.ListJobLogs(job_id, -1, store::kMaxPageLimit); });
    EXPECT_TRUE(lines.ok()) << lines.error().Describe();
    return lines ? *lines : std::vector<store::JobLogLine>{};
  }

  std::vector<store::ScheduleGroupState> GroupStatesOf(const std::string& host_id) {
    auto states = Store().Read([&](store::ReadTx& tx) { return tx.ListScheduleGroupStates(host_id); });
    EXPECT_TRUE(states.ok()) << states.error().Describe();
    return states ? *states : std::vector<store::ScheduleGroupState>{};
  }

  int64_t CanonicalVersion(const std::string& host_id) {
    auto version = Store().Read([&](store::ReadTx& tx) { return tx.GetHostScheduleVersion(host_id); });
    EXPECT_TRUE(version.ok());
    return version ? *version : -1;
  }

  //! Polls `condition` until it holds; false after `timeout`.
  static bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  //! Waits until the controller recorded the host as disconnected.
  bool WaitDisconnected(const std::string& host_id) {
    return WaitFor([&] { return !HostOf(host_id).connected; });
  }

  // ------------------------------------------------------------ agent

  //! An upgraded WebSocket of the host's agent (no hello yet).
  Client Connect(const TestHost& host) {
    auto client = std::make_unique<ws::testing::FakeAgentClient>(port_, host.token);
    client->SetBarrier([this] { controller_->Drain(); });
    EXPECT_TRUE(client->Open()) << "upgrade answered " << client->HandshakeStatus();
    return client;
  }

  static protocol::Hello HelloWith(std::vector<std::string> running = {}) {
    protocol::Hello hello;
    hello.agent_version = "0.3.1";
    hello.restic_version = "0.17.3";
    hello.hostname = "laptop.example.com";
    hello.os = "linux";
    hello.arch = "arm64";
    hello.applied_schedule_version = 0;
    hello.running_job_ids = std::move(running);
    return hello;
  }

  //! Sends hello and reads hello.ok and the schedule.set that must follow it.
  static std::optional<Greeting> Greet(ws::testing::FakeAgentClient& client,
                                       std::vector<std::string> running = {}) {
    if (!client.Send(HelloWith(std::move(running)))) return std::nullopt;
    auto ok = client.Expect<protocol::HelloOk>();
    EXPECT_TRUE(ok) << "no hello.ok";
    if (!ok) return std::nullopt;
    auto set = client.Expect<protocol::ScheduleSet>();
    EXPECT_TRUE(set) << "no schedule.set after hello.ok";
    if (!set) return std::nullopt;
    return Greeting{std::move(*ok), std::move(*set)};
  }

  //! Connect + Greet; null (with a failure recorded) when either did not work.
  Client ConnectAndGreet(const TestHost& host, std::vector<std::string> running = {}) {
    auto client = Connect(host);
    if (!client->Open() || !Greet(*client, std::move(running))) return nullptr;
    return client;
  }

  static protocol::ScheduleFire Fire(const std::string& schedule_id, TimePoint slot) {
    protocol::ScheduleFire fire;
    fire.schedule_id = schedule_id;
    fire.scheduled_at = slot;
    return fire;
  }

  static protocol::JobStarted Started(const std::string& job_id) {
    protocol::JobStarted started;
    started.job_id = job_id;
    started.started_at = Clock::now();
    started.restic_pid = 4242;
    return started;
  }

  static protocol::JobResult Succeeded(const std::string& job_id) {
    protocol::JobResult result;
    result.job_id = job_id;
    result.status = protocol::JobStatus::kSucceeded;
    result.exit_code = 0;
    result.started_at = Ms(Slot(0));
    result.finished_at = Ms(Slot(0) + 90s);
    return result;
  }

  //! Waits until the core handled everything enqueued before (REST notices).
  void DrainPosts() { controller_->Drain(); }

  std::uint16_t Port() const { return port_; }
  SchedulingCore& Controller() { return *controller_; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<ws::AgentHub> hub_;
  std::unique_ptr<SchedulingCore> controller_;
  std::unique_ptr<http::HttpServer> http_;
  std::vector<std::thread> threads_;
  std::atomic<int> threads_done_{0};
  std::uint16_t port_ = 0;
  std::atomic<int64_t> skew_ms_{0};
};

// ================================================================ fire

class FireTest : public SchedulingTest {
 protected:
  void SetUp() override {
    SchedulingTest::SetUp();
    host_ = MakeHost("laptop");
    repository_ = MakeRepository("nas");
    etc_ = MakeGroup(host_.id, "etc", {"/etc", "/root"}, {"*.tmp"}, {"system"});
    srv_ = MakeGroup(host_.id, "srv", {"/srv"});
    nightly_ = Backup(host_.id, repository_, {etc_, srv_});
    nightly_.retention_json = R"({"keep_daily":7,"keep_tags":[],"prune":false})";
    nightly_.options_json = R"({"backup":{"extra_tags":["nightly"]}})";
    nightly_.pre_hook = "/usr/local/bin/stop-db";
    nightly_.hook_timeout = 60s;
    nightly_.id = Create(nightly_);
  }

  //! The host's jobs of the nightly schedule.
  std::vector<store::Job> Nightly() {
    std::vector<store::Job> out;
    for (auto& job : JobsOf(host_.id)) {
      if (job.schedule_id == nightly_.id) out.push_back(std::move(job));
    }
    return out;
  }

  //! The host's agent is dispatched `job`, starts it, then goes away; a
  //! cancel is asked for while it is gone (kept in the store, as the API does).
  void StartedThenGoneWithACancelPending(const std::string& job) {
    auto client = ConnectAndGreet(host_);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->Expect<protocol::CommandRun>());
    ASSERT_TRUE(client->Send(Started(job)));
    ASSERT_TRUE(client->Sync());
    client->Close();
    ASSERT_TRUE(WaitDisconnected(host_.id));
    auto kept = Store().Write([&](store::WriteTx& tx) { return tx.RequestJobCancel(job, Now()); });
    ASSERT_TRUE(kept.ok()) << kept.error().Describe();
    Controller().CancelRequested(host_.id, job);
    DrainPosts();
  }

  TestHost host_;
  std::string repository_;
  std::string etc_;
  std::string srv_;
  store::Schedule nightly_;
};

}  // namespace rmgr::server::scheduling
