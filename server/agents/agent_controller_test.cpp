// AgentController at the protocol level: a real SQLite store, a real
// HttpServer + AgentHub on 127.0.0.1, and FakeAgentClient playing the agent.
// Waits are "until the condition holds, at most kWait"; nothing asserts on
// speed. Where a test must show that something did *not* happen on a timer,
// it waits for a control host's timer of the same length to have fired.
#include "server/agents/agent_controller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
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
#include "server/agents/agent_hub.h"
#include "server/agents/fake_agent_client.h"
#include "server/api/api_test_fixture.h"
#include "server/auth/credentials.h"
#include "server/auth/secret_box.h"
#include "server/http/http_server.h"

namespace rmgr::server::agents {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Client = std::unique_ptr<testing::FakeAgentClient>;

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
TimePoint Slot(int hours) {
  using namespace std::chrono;
  return sys_days{year{2026} / March / 1} + 3h + hours * 1h;
}

TimePoint Ms(TimePoint t) {
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

class AgentControllerTest : public api::testing::ApiFixture {
 protected:
  void SetUp() override { StartAgents(Options()); }
  void TearDown() override { StopAgents(); }

  //! The controller's options; fixtures for timer tests override them.
  virtual ControllerOptions Options() {
    ControllerOptions options;
    options.catchup_settle = 200ms;
    options.lost_after = std::chrono::minutes(10);
    options.sweep_interval = std::chrono::hours(1);  // the tests call SweepLostJobs() themselves
    options.now = [this] { return Now(); };
    return options;
  }

  // ------------------------------------------------------------ server

  void StartAgents(ControllerOptions options) {
    HubOptions hub_options;
    hub_options.ping_interval = 1s;
    hub_options.idle_timeout = 30s;
    hub_options.handshake_timeout = 2s;
    hub_ = std::make_unique<AgentHub>(
        io_, [this](std::string_view token) { return controller_->Authenticate(token); }, hub_options);
    controller_ = std::make_unique<AgentController>(io_, Store(), Deps().secrets, *hub_, std::move(options));
    hub_->SetEvents(controller_.get());
    http_ = std::make_unique<http::HttpServer>(io_, std::make_shared<http::Router>());
    http_->SetUpgradeHandler(
        "/agent/ws", [this](boost::beast::tcp_stream stream, http::Request request, std::string remote) {
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
    auto client = std::make_unique<testing::FakeAgentClient>(port_, host.token);
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
  static std::optional<Greeting> Greet(testing::FakeAgentClient& client,
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

  //! Posts a no-op to the controller's io_context and waits for it, so what
  //! was posted before (REST notices) has at least been started.
  void DrainPosts() {
    std::atomic<bool> ran{false};
    boost::asio::post(io_, [&ran] { ran = true; });
    EXPECT_TRUE(WaitFor([&] { return ran.load(); }));
  }

  std::uint16_t Port() const { return port_; }
  AgentController& Controller() { return *controller_; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<AgentHub> hub_;
  std::unique_ptr<AgentController> controller_;
  std::unique_ptr<http::HttpServer> http_;
  std::vector<std::thread> threads_;
  std::atomic<int> threads_done_{0};
  std::uint16_t port_ = 0;
  std::atomic<int64_t> skew_ms_{0};
};

// ================================================================ hello

TEST_F(AgentControllerTest, UpgradeWithABadOrMissingTokenIsRefusedAndChangesNothing) {
  const TestHost host = MakeHost("laptop");
  const store::Host before = HostOf(host.id);

  testing::FakeAgentClient wrong(Port(), auth::NewToken("rmh_"));
  EXPECT_FALSE(wrong.Open());
  EXPECT_EQ(wrong.HandshakeStatus(), 401u);
  testing::FakeAgentClient none(Port(), "");
  EXPECT_FALSE(none.Open());
  EXPECT_EQ(none.HandshakeStatus(), 401u);

  const store::Host after = HostOf(host.id);
  EXPECT_FALSE(after.connected);
  EXPECT_EQ(after.last_seen_at, before.last_seen_at);
  EXPECT_EQ(after.hostname, before.hostname);
  EXPECT_EQ(after.agent_version, before.agent_version);
}

TEST_F(AgentControllerTest, HelloIsAnsweredWithHelloOkAndTheFullScheduleSetAndIsRecorded) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  const std::string etc = MakeGroup(host.id, "etc", {"/etc"});
  store::Schedule nightly = Backup(host.id, repository, {etc});
  nightly.timezone = "Europe/Berlin";
  nightly.jitter = 120s;
  const std::string nightly_id = Create(nightly);
  store::Schedule weekly = Backup(host.id, repository, {etc}, "weekly-check");
  weekly.kind = store::JobKind::kCheck;
  weekly.source_group_ids.clear();
  weekly.cron = "0 4 * * 0";
  weekly.enabled = false;
  const std::string weekly_id = Create(weekly);

  auto client = Connect(host);
  ASSERT_TRUE(client->Open());
  EXPECT_EQ(client->HandshakeStatus(), 101u);
  ASSERT_TRUE(WaitFor([&] { return HostOf(host.id).connected; }));

  auto greeting = Greet(*client);
  ASSERT_TRUE(greeting);
  EXPECT_EQ(greeting->ok.host_id, host.id);
  EXPECT_EQ(greeting->set.version, CanonicalVersion(host.id));
  EXPECT_EQ(greeting->set.version, 2);
  ASSERT_EQ(greeting->set.schedules.size(), 2u);
  std::map<std::string, protocol::ScheduleEntry> entries;
  for (const auto& entry : greeting->set.schedules) entries[entry.id] = entry;
  ASSERT_EQ(entries.count(nightly_id), 1u);
  ASSERT_EQ(entries.count(weekly_id), 1u);
  EXPECT_EQ(entries[nightly_id].kind, protocol::JobKind::kBackup);
  EXPECT_EQ(entries[nightly_id].cron, "0 3 * * *");
  EXPECT_TRUE(entries[nightly_id].enabled);
  EXPECT_EQ(entries[nightly_id].timezone, "Europe/Berlin");
  EXPECT_EQ(entries[nightly_id].jitter_seconds, 120u);
  EXPECT_EQ(entries[weekly_id].kind, protocol::JobKind::kCheck);
  EXPECT_FALSE(entries[weekly_id].enabled);  // disabled entries are pushed too

  const store::Host stored = HostOf(host.id);
  EXPECT_TRUE(stored.connected);
  EXPECT_EQ(stored.hostname, "laptop.example.com");
  EXPECT_EQ(stored.os, "linux");
  EXPECT_EQ(stored.arch, "arm64");
  EXPECT_EQ(stored.agent_version, "0.3.1");
  EXPECT_EQ(stored.restic_version, "0.17.3");
  EXPECT_TRUE(stored.last_seen_at.has_value());

  client->Close();
  EXPECT_TRUE(WaitDisconnected(host.id));
}

TEST_F(AgentControllerTest, MessagesBeforeHelloAreIgnored) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  const std::string schedule = Create(Backup(host.id, repository, {MakeGroup(host.id, "etc", {"/etc"})}));

  auto client = Connect(host);
  ASSERT_TRUE(client->Open());
  protocol::ScheduleAck ack;
  ack.version = 1;
  ack.applied_at = Clock::now();
  ASSERT_TRUE(client->Send(ack));
  ASSERT_TRUE(client->Send(Fire(schedule, Slot(0))));
  auto before_hello = client->Sync();
  ASSERT_TRUE(before_hello);
  EXPECT_TRUE(before_hello->empty()) << "the server answered before hello: " << before_hello->front();
  EXPECT_TRUE(client->Open());

  ASSERT_TRUE(Greet(*client));
  ASSERT_TRUE(client->Sync());
  EXPECT_TRUE(JobsOf(host.id).empty());
  EXPECT_EQ(HostOf(host.id).schedule_version_applied, 0);
}

// ================================================================ schedules

TEST_F(AgentControllerTest, ScheduleAckOfTheCanonicalVersionIsRecordedAndZeroOrAboveIgnored) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  Create(Backup(host.id, repository, {MakeGroup(host.id, "etc", {"/etc"})}));
  auto client = Connect(host);
  auto greeting = Greet(*client);
  ASSERT_TRUE(greeting);
  const int64_t canonical = greeting->set.version;
  ASSERT_EQ(canonical, 1);

  protocol::ScheduleAck ack;
  ack.version = canonical;
  ack.applied_at = Ms(Clock::now() - 2s);
  ASSERT_TRUE(client->Send(ack));
  ASSERT_TRUE(client->Sync());
  store::Host host_after = HostOf(host.id);
  EXPECT_EQ(host_after.schedule_version_applied, canonical);
  EXPECT_EQ(host_after.schedule_applied_at, ack.applied_at);

  for (const int64_t ignored : {int64_t{0}, canonical + 1, canonical + 100}) {
    protocol::ScheduleAck bad;
    bad.version = ignored;
    bad.applied_at = Ms(Clock::now());
    ASSERT_TRUE(client->Send(bad));
    auto frames = client->Sync();
    ASSERT_TRUE(frames) << "the connection did not survive an ack of " << ignored;
    host_after = HostOf(host.id);
    EXPECT_EQ(host_after.schedule_version_applied, canonical) << "ack " << ignored;
    EXPECT_EQ(host_after.schedule_applied_at, ack.applied_at) << "ack " << ignored;
  }
  EXPECT_TRUE(client->Open());
}

TEST_F(AgentControllerTest, SchedulesChangedPushesTheNewVersionAndRepeatingItIsHarmless) {
  const TestHost host = MakeHost("laptop");
  const TestHost other = MakeHost("desktop");
  const std::string repository = MakeRepository("nas");
  const std::string etc = MakeGroup(host.id, "etc", {"/etc"});
  Create(Backup(host.id, repository, {etc}));
  auto client = Connect(host);
  auto greeting = Greet(*client);
  ASSERT_TRUE(greeting);
  ASSERT_EQ(greeting->set.version, 1);

  const std::string added = Create(Backup(host.id, repository, {etc}, "hourly"));
  ASSERT_EQ(CanonicalVersion(host.id), 2);
  Controller().SchedulesChanged(host.id);
  auto pushed = client->Expect<protocol::ScheduleSet>();
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->version, 2);
  ASSERT_EQ(pushed->schedules.size(), 2u);
  EXPECT_TRUE(std::any_of(pushed->schedules.begin(), pushed->schedules.end(),
                          [&](const protocol::ScheduleEntry& e) { return e.id == added; }));

  Controller().SchedulesChanged(host.id);
  Controller().SchedulesChanged(host.id);
  Controller().SchedulesChanged(other.id);  // not connected: nothing to do
  for (int i = 0; i < 2; ++i) {
    auto again = client->Expect<protocol::ScheduleSet>();
    ASSERT_TRUE(again) << "push " << i;
    EXPECT_EQ(*again, *pushed);
  }
  protocol::ScheduleAck ack;
  ack.version = 2;
  ack.applied_at = Ms(Clock::now());
  ASSERT_TRUE(client->Send(ack));
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(HostOf(host.id).schedule_version_applied, 2);
}

// ================================================================ fire

class AgentControllerFireTest : public AgentControllerTest {
 protected:
  void SetUp() override {
    AgentControllerTest::SetUp();
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
  //! cancel is asked for while it is gone.
  void StartedThenGoneWithACancelPending(const std::string& job) {
    auto client = ConnectAndGreet(host_);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->Expect<protocol::CommandRun>());
    ASSERT_TRUE(client->Send(Started(job)));
    ASSERT_TRUE(client->Sync());
    client->Close();
    ASSERT_TRUE(WaitDisconnected(host_.id));
    Controller().CancelRequested(host_.id, job);
    DrainPosts();
  }

  TestHost host_;
  std::string repository_;
  std::string etc_;
  std::string srv_;
  store::Schedule nightly_;
};

TEST_F(AgentControllerFireTest, FireMakesOneJobPerGroupAndDispatchesOnlyOnePerRepository) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));

  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  auto jobs = Nightly();
  ASSERT_EQ(jobs.size(), 2u);
  std::set<std::optional<std::string>> groups;
  for (const auto& job : jobs) {
    EXPECT_EQ(job.kind, store::JobKind::kBackup);
    EXPECT_EQ(job.actor_kind, store::ActorKind::kSchedule);
    EXPECT_EQ(job.actor_id, nightly_.id);
    EXPECT_EQ(job.repository_id, repository_);
    EXPECT_EQ(job.scheduled_at, Slot(0));
    groups.insert(job.source_group_id);
  }
  EXPECT_EQ(groups, (std::set<std::optional<std::string>>{etc_, srv_}));
  const auto dispatched = std::find_if(jobs.begin(), jobs.end(), [](const store::Job& j) {
    return j.status == store::JobStatus::kDispatched;
  });
  ASSERT_NE(dispatched, jobs.end());
  EXPECT_EQ(std::count_if(jobs.begin(), jobs.end(),
                          [](const store::Job& j) { return j.status == store::JobStatus::kQueued; }),
            1);
  EXPECT_EQ(HostOf(host_.id).current_job_id, dispatched->id);

  // The command carries everything the agent needs, the password included.
  EXPECT_EQ(run->job_id, dispatched->id);
  EXPECT_EQ(run->kind, protocol::JobKind::kBackup);
  EXPECT_EQ(run->repository.id, repository_);
  EXPECT_EQ(run->repository.url, "sftp:backup@nas:/srv/restic/nas");
  EXPECT_EQ(run->repository.password.Reveal(), kPassword);
  ASSERT_TRUE(run->source_group);
  EXPECT_EQ(run->source_group->id, dispatched->source_group_id);
  if (run->source_group->id == etc_) {
    EXPECT_EQ(run->source_group->name, "etc");
    EXPECT_EQ(run->source_group->paths, (std::vector<std::string>{"/etc", "/root"}));
    EXPECT_EQ(run->source_group->excludes, (std::vector<std::string>{"*.tmp"}));
    EXPECT_EQ(run->source_group->tags, (std::vector<std::string>{"system"}));
  } else {
    EXPECT_EQ(run->source_group->paths, (std::vector<std::string>{"/srv"}));
  }
  ASSERT_TRUE(run->retention);
  EXPECT_EQ(run->retention->keep_daily, 7u);
  ASSERT_TRUE(run->options.backup);
  EXPECT_EQ(run->options.backup->extra_tags, (std::vector<std::string>{"nightly"}));
  ASSERT_TRUE(run->hooks);
  EXPECT_EQ(run->hooks->pre, "/usr/local/bin/stop-db");
  EXPECT_EQ(run->hooks->timeout_seconds, 60u);
  EXPECT_EQ(run->schedule_id, nightly_.id);
  EXPECT_EQ(run->scheduled_at, Slot(0));

  const auto audits = Audits("schedule.fire");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].actor_kind, store::ActorKind::kSchedule);
  EXPECT_EQ(audits[0].target_id, nightly_.id);
  EXPECT_EQ(json::parse(audits[0].detail_json).at("job_ids").as_array().size(), 2u);

  // Only one command: the second job waits for the repository.
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());

  // The agent resends the same fire (e.g. after a reconnect): no new job.
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  EXPECT_EQ(Nightly().size(), 2u);
}

TEST_F(AgentControllerFireTest, ResentFireOfAServedSlotMakesNoPendingRun) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  ASSERT_TRUE(client->Sync());
  EXPECT_TRUE(PendingOf(host_.id).empty());
  EXPECT_EQ(Audits("schedule.fire").size(), 1u);
}

TEST_F(AgentControllerFireTest, FireForAnUnknownAForeignOrADisabledScheduleMakesNothing) {
  const TestHost other = MakeHost("desktop");
  const std::string foreign = Create(Backup(other.id, repository_, {MakeGroup(other.id, "home", {"/home"})}));
  store::Schedule disabled = Backup(host_.id, repository_, {etc_}, "disabled");
  disabled.enabled = false;
  const std::string disabled_id = Create(disabled);

  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(NewUlid(), Slot(0))));
  ASSERT_TRUE(client->Send(Fire(foreign, Slot(0))));
  ASSERT_TRUE(client->Send(Fire(disabled_id, Slot(0))));
  auto frames = client->Sync();
  ASSERT_TRUE(frames) << "the connection did not survive";
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  EXPECT_TRUE(JobsOf(host_.id).empty());
  EXPECT_TRUE(JobsOf(other.id).empty());
  EXPECT_TRUE(PendingOf(host_.id).empty());
  EXPECT_TRUE(PendingOf(other.id).empty());
  EXPECT_TRUE(Audits("schedule.fire").empty());
  EXPECT_TRUE(client->Open());
}

TEST_F(AgentControllerFireTest, JobLifecycleStoresProgressLogsAndResultThenDispatchesTheNextJob) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  const std::string first = run->job_id;
  const std::string group = *JobOf(first).source_group_id;

  ASSERT_TRUE(client->Send(Started(first)));
  ASSERT_TRUE(client->Sync());
  store::Job job = JobOf(first);
  EXPECT_EQ(job.status, store::JobStatus::kRunning);
  EXPECT_TRUE(job.started_at.has_value());

  protocol::JobProgress progress;
  progress.job_id = first;
  progress.percent_done = 0.5;
  progress.total_files = 200;
  progress.files_done = 100;
  progress.bytes_done = 4096;
  progress.current_files = {"/etc/passwd"};
  ASSERT_TRUE(client->Send(progress));
  ASSERT_TRUE(client->Sync());
  const json::value stored_progress = json::parse(JobOf(first).progress_json);
  EXPECT_EQ(stored_progress.at("percent_done").to_number<double>(), 0.5);
  EXPECT_EQ(stored_progress.at("files_done"), 100);
  EXPECT_EQ(stored_progress.at("current_files").at(0), "/etc/passwd");
  EXPECT_FALSE(stored_progress.as_object().contains("job_id"));

  protocol::JobLog log;
  log.job_id = first;
  log.first_seq = 0;
  for (const char* text : {"open repository", "lock repository", "start scan"}) {
    protocol::LogLine line;
    line.stream = protocol::LogStream::kStdout;
    line.text = text;
    line.at = Ms(Clock::now());
    log.lines.push_back(line);
  }
  ASSERT_TRUE(client->Send(log));
  ASSERT_TRUE(client->Send(log));  // a resend after a reconnect
  protocol::JobLog overlap;
  overlap.job_id = first;
  overlap.first_seq = 2;
  overlap.lines = {log.lines[0], log.lines[1]};
  overlap.lines[0].text = "start scan (resent with other text)";
  overlap.lines[1].text = "scan finished";
  ASSERT_TRUE(client->Send(overlap));
  ASSERT_TRUE(client->Sync());
  const auto lines = LogsOf(first);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "open repository");
  EXPECT_EQ(lines[2].text, "start scan");  // the first copy of seq 2 stays
  EXPECT_EQ(lines[3].text, "scan finished");

  protocol::JobResult result = Succeeded(first);
  protocol::BackupSummary summary;
  summary.files_new = 3;
  summary.files_changed = 1;
  summary.data_added = 1234;
  summary.total_duration = 12.5;
  const std::string snapshot_id(64, 'a');
  summary.snapshot_id = snapshot_id;
  result.summary = summary;
  result.snapshot_id = snapshot_id;
  protocol::SnapshotInfo info;
  info.id = snapshot_id;
  info.short_id = "aaaaaaaa";
  info.time = Ms(Slot(0) + 10s);
  info.hostname = "laptop.example.com";
  info.paths = {"/etc"};
  result.snapshot_index = protocol::SnapshotIndex{false, {info}};
  ASSERT_TRUE(client->Send(result));

  auto ack = client->Expect<protocol::ResultAck>();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->job_id, first);
  auto next = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(next) << "the second job of the fire was not dispatched after the first ended";
  EXPECT_NE(next->job_id, first);
  EXPECT_EQ(JobOf(next->job_id).status, store::JobStatus::kDispatched);

  job = JobOf(first);
  EXPECT_EQ(job.status, store::JobStatus::kSucceeded);
  EXPECT_EQ(job.exit_code, 0);
  EXPECT_EQ(job.snapshot_id, snapshot_id);
  ASSERT_FALSE(job.summary_json.empty());
  EXPECT_EQ(json::parse(job.summary_json).at("files_new"), 3);
  EXPECT_TRUE(job.finished_at.has_value());
  const store::Host host = HostOf(host_.id);
  EXPECT_EQ(host.last_backup_at, job.finished_at);
  EXPECT_EQ(host.current_job_id, next->job_id);
  const auto states = GroupStatesOf(host_.id);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].schedule_id, nightly_.id);
  EXPECT_EQ(states[0].source_group_id, group);
  EXPECT_EQ(states[0].last_success_at, job.finished_at);
  EXPECT_EQ(states[0].last_job_id, first);
  EXPECT_EQ(states[0].last_status, store::JobStatus::kSucceeded);
  auto snapshots = Store().Read([&](store::ReadTx& tx) {
    return tx.ListSnapshots(store::SnapshotFilter{repository_, std::nullopt}, store::PageRequest{});
  });
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->items.size(), 1u);
  EXPECT_EQ(snapshots->items[0].id, snapshot_id);
  EXPECT_EQ(snapshots->items[0].host_id, host_.id);

  // The agent resends the result (its ack got lost): acked again, nothing changes.
  ASSERT_TRUE(client->Send(result));
  auto again = client->Expect<protocol::ResultAck>();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->job_id, first);
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  const store::Job replayed = JobOf(first);
  EXPECT_EQ(replayed.status, store::JobStatus::kSucceeded);
  EXPECT_EQ(replayed.finished_at, job.finished_at);
  EXPECT_EQ(JobOf(next->job_id).status, store::JobStatus::kDispatched);
  EXPECT_EQ(GroupStatesOf(host_.id).size(), 1u);
  EXPECT_EQ(Nightly().size(), 2u);
}

TEST_F(AgentControllerFireTest, FireWhileTheRepositoryIsBusyBecomesOneCoalescedPendingRun) {
  const std::string hourly = Create(Backup(host_.id, repository_, {srv_}, "hourly"));
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(hourly, Slot(0))));
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  ASSERT_EQ(JobsOf(host_.id).size(), 1u);

  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(1))));
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  EXPECT_EQ(JobsOf(host_.id).size(), 1u);
  auto pending = PendingOf(host_.id);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].schedule_id, nightly_.id);
  EXPECT_EQ(pending[0].scheduled_at, Slot(1));

  // A later slot coalesces into the same pending run (newest slot); an
  // older one arriving late does not move it back.
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(2))));
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(1))));
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(JobsOf(host_.id).size(), 1u);
  pending = PendingOf(host_.id);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].scheduled_at, Slot(2));

  ASSERT_TRUE(client->Send(Started(run->job_id)));
  ASSERT_TRUE(client->Send(Succeeded(run->job_id)));
  ASSERT_TRUE(client->Expect<protocol::ResultAck>());
  auto next = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(next) << "the pending run did not start when the repository became free";
  EXPECT_EQ(next->schedule_id, nightly_.id);
  EXPECT_EQ(next->scheduled_at, Slot(2));
  EXPECT_TRUE(PendingOf(host_.id).empty());
  const auto jobs = Nightly();
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& job : jobs) {
    EXPECT_EQ(job.actor_kind, store::ActorKind::kSchedule);
    EXPECT_EQ(job.scheduled_at, Slot(2));
  }
  EXPECT_EQ(Audits("schedule.pending_run").size(), 1u);
}

// ================================================================ reconnects

TEST_F(AgentControllerFireTest, HelloMarksJobsTheAgentNoLongerRunsInterruptedAndAnOutboxResultWins) {
  const std::string other_repository = MakeRepository("usb");
  const std::string kept = QueueJob(host_.id, repository_, etc_);
  const std::string dropped = QueueJob(host_.id, other_repository, srv_);

  auto first = ConnectAndGreet(host_);
  ASSERT_TRUE(first);
  std::set<std::string> sent;
  for (int i = 0; i < 2; ++i) {
    auto run = first->Expect<protocol::CommandRun>();
    ASSERT_TRUE(run) << "command " << i;
    sent.insert(run->job_id);
  }
  EXPECT_EQ(sent, (std::set<std::string>{kept, dropped}));
  ASSERT_TRUE(first->Send(Started(kept)));
  ASSERT_TRUE(first->Send(Started(dropped)));
  ASSERT_TRUE(first->Sync());
  ASSERT_EQ(JobOf(kept).status, store::JobStatus::kRunning);
  ASSERT_EQ(JobOf(dropped).status, store::JobStatus::kRunning);
  first->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));

  auto second = ConnectAndGreet(host_, {kept});
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->Sync());
  EXPECT_EQ(JobOf(kept).status, store::JobStatus::kRunning);
  store::Job interrupted = JobOf(dropped);
  EXPECT_EQ(interrupted.status, store::JobStatus::kInterrupted);
  EXPECT_EQ(interrupted.error_kind, "interrupted");

  // The agent finished the job after all and sends the result from its outbox.
  ASSERT_TRUE(second->Send(Succeeded(dropped)));
  auto ack = second->Expect<protocol::ResultAck>();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->job_id, dropped);
  EXPECT_EQ(JobOf(dropped).status, store::JobStatus::kSucceeded);
  EXPECT_EQ(JobOf(kept).status, store::JobStatus::kRunning);
}

TEST_F(AgentControllerFireTest, ANewConnectionReplacesTheOldOneAndTheControllerUsesIt) {
  auto first = ConnectAndGreet(host_);
  ASSERT_TRUE(first);
  auto second = ConnectAndGreet(host_);
  ASSERT_TRUE(second);
  EXPECT_TRUE(first->WaitClosed());
  EXPECT_EQ(first->CloseCode(), 4000);

  ASSERT_TRUE(second->Send(Fire(nightly_.id, Slot(0))));
  auto run = second->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run) << "no command on the new connection";
  EXPECT_EQ(JobOf(run->job_id).status, store::JobStatus::kDispatched);
  EXPECT_TRUE(HostOf(host_.id).connected);  // the old connection's goodbye did not unlink the new one

  ASSERT_TRUE(second->Send(Succeeded(run->job_id)));
  EXPECT_TRUE(second->Expect<protocol::ResultAck>());
  EXPECT_TRUE(second->Expect<protocol::CommandRun>());
}

// ================================================================ REST notices

TEST_F(AgentControllerFireTest, JobsQueuedDispatchesARunNowJob) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string job = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->job_id, job);
  EXPECT_FALSE(run->schedule_id.has_value());
  EXPECT_FALSE(run->scheduled_at.has_value());
  EXPECT_FALSE(run->hooks.has_value());
  EXPECT_EQ(run->repository.password.Reveal(), kPassword);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kDispatched);
}

TEST_F(AgentControllerFireTest, CancelRequestedSendsCommandCancelToTheConnectedAgent) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string job = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());
  ASSERT_TRUE(client->Send(Started(job)));
  ASSERT_TRUE(client->Sync());

  Controller().CancelRequested(host_.id, job);
  auto cancel = client->Expect<protocol::CommandCancel>();
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->job_id, job);
}

TEST_F(AgentControllerFireTest, CancelForADisconnectedHostIsDeliveredAfterTheNextHello) {
  const std::string job = QueueJob(host_.id, repository_, etc_);
  ASSERT_NO_FATAL_FAILURE(StartedThenGoneWithACancelPending(job));

  auto second = ConnectAndGreet(host_, {job});
  ASSERT_TRUE(second);
  auto cancel = second->Expect<protocol::CommandCancel>();
  ASSERT_TRUE(cancel) << "the cancel asked for while the agent was away was not delivered";
  EXPECT_EQ(cancel->job_id, job);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kRunning);
  second->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));

  // An agent that comes back without the job: interrupted, nothing to cancel.
  auto third = ConnectAndGreet(host_);
  ASSERT_TRUE(third);
  auto frames = third->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandCancel>(*frames).empty());
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kInterrupted);
}

// ================================================================ lost sweep

TEST_F(AgentControllerFireTest, SweepMarksASilentDispatchedJobLost) {
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
  EXPECT_EQ(lost.error_kind, "lost");
  const auto audits = Audits("job.lost");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].target_kind, "job");
  EXPECT_EQ(audits[0].target_id, job);
  EXPECT_FALSE(HostOf(host_.id).current_job_id.has_value());
  EXPECT_EQ(Controller().SweepLostJobs(), 0);  // once
}

TEST_F(AgentControllerFireTest, SweepSparesARunningJobOfAConnectedHostButNotOfAGoneOne) {
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

TEST_F(AgentControllerFireTest, WordAboutAnotherHostsJobDoesNotKeepItAlive) {
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

// ================================================================ foreign jobs

TEST_F(AgentControllerFireTest, JobMessagesForAnotherHostsJobAreNotStored) {
  const TestHost other = MakeHost("desktop");
  const std::string other_group = MakeGroup(other.id, "home", {"/home"});
  const std::string job = QueueJob(other.id, repository_, other_group);
  ASSERT_TRUE(
      Store()
          .Write([&](store::WriteTx& tx) { return tx.TransitionJob(job, store::JobStatus::kDispatched); })
          .ok());

  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Started(job)));
  protocol::JobProgress progress;
  progress.job_id = job;
  progress.percent_done = 0.9;
  ASSERT_TRUE(client->Send(progress));
  protocol::JobLog log;
  log.job_id = job;
  protocol::LogLine line;
  line.text = "not yours";
  line.at = Ms(Clock::now());
  log.lines.push_back(line);
  ASSERT_TRUE(client->Send(log));
  ASSERT_TRUE(client->Send(Succeeded(job)));
  ASSERT_TRUE(client->Send(Succeeded(NewUlid())));  // a job nobody knows
  ASSERT_TRUE(client->Sync()) << "the connection did not survive";

  const store::Job stored = JobOf(job);
  EXPECT_EQ(stored.status, store::JobStatus::kDispatched);
  EXPECT_TRUE(stored.progress_json.empty());
  EXPECT_FALSE(stored.started_at.has_value());
  EXPECT_TRUE(LogsOf(job).empty());
  EXPECT_FALSE(HostOf(other.id).last_backup_at.has_value());
  EXPECT_TRUE(client->Open());
}

TEST_F(AgentControllerFireTest, AResultFromAnotherHostDoesNotDropAPendingCancel) {
  const TestHost other = MakeHost("desktop");
  const std::string job = QueueJob(host_.id, repository_, etc_);
  ASSERT_NO_FATAL_FAILURE(StartedThenGoneWithACancelPending(job));

  auto intruder = ConnectAndGreet(other);
  ASSERT_TRUE(intruder);
  ASSERT_TRUE(intruder->Send(Succeeded(job)));
  ASSERT_TRUE(intruder->Sync());
  ASSERT_EQ(JobOf(job).status, store::JobStatus::kRunning);

  auto back = ConnectAndGreet(host_, {job});
  ASSERT_TRUE(back);
  auto frames = back->Sync();
  ASSERT_TRUE(frames);
  EXPECT_EQ(Of<protocol::CommandCancel>(*frames).size(), 1u);
}

// ================================================================ catch-up

class AgentControllerCatchupTest : public AgentControllerTest {
 protected:
  //! An intermittent (or always-on) host with a yearly backup schedule of
  //! three groups, the third of which succeeded after the last expected fire.
  struct Laptop {
    TestHost host;
    std::string schedule_id;
    std::vector<std::string> groups;  // overdue ones
  };

  Laptop MakeLaptop(const std::string& name, bool always_on = false) {
    Laptop laptop;
    laptop.host = MakeHost(name, always_on);
    const std::string repository = MakeRepository(name + "-nas");
    const std::string a = MakeGroup(laptop.host.id, "documents", {"/home/me/Documents"});
    const std::string b = MakeGroup(laptop.host.id, "photos", {"/home/me/Pictures"});
    const std::string fresh = MakeGroup(laptop.host.id, "mail", {"/home/me/Mail"});
    // Its last expected fire is 1 January, 00:00 UTC, of the current year.
    store::Schedule yearly = Backup(laptop.host.id, repository, {a, b, fresh}, "yearly");
    yearly.cron = "0 0 1 1 *";
    laptop.schedule_id = Create(yearly);
    SucceededBefore(yearly, laptop.schedule_id, fresh);
    // Neither disabled schedules nor other kinds are caught up.
    store::Schedule disabled = Backup(laptop.host.id, repository, {a}, "disabled");
    disabled.cron = "0 0 1 1 *";
    disabled.enabled = false;
    Create(disabled);
    store::Schedule check = Backup(laptop.host.id, repository, {}, "check");
    check.kind = store::JobKind::kCheck;
    check.cron = "0 0 1 1 *";
    Create(check);
    laptop.groups = {a, b};
    return laptop;
  }

  static TimePoint LastJanuaryFirst() {
    using namespace std::chrono;
    const year_month_day today{floor<days>(Clock::now())};
    return sys_days{today.year() / January / 1};
  }

  std::vector<store::Job> CatchupJobs(const Laptop& laptop) {
    return JobsBy(laptop.host.id, store::ActorKind::kCatchup);
  }

  std::size_t CatchupAudits(const Laptop& laptop) {
    std::size_t count = 0;
    for (const auto& entry : Audits("catchup.dispatch")) count += entry.target_id == laptop.host.id ? 1 : 0;
    return count;
  }

  //! Waits until the laptop got its catch-up jobs (one per overdue group).
  bool WaitCaughtUp(const Laptop& laptop) {
    return WaitFor([&] { return CatchupJobs(laptop).size() >= laptop.groups.size(); });
  }
};

TEST_F(AgentControllerCatchupTest, AfterTheSettleWindowOneJobPerOverdueGroupIsQueued) {
  const Laptop laptop = MakeLaptop("laptop");
  auto client = ConnectAndGreet(laptop.host);
  ASSERT_TRUE(client);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run) << "no catch-up backup was dispatched";
  ASSERT_TRUE(WaitCaughtUp(laptop));

  const auto jobs = CatchupJobs(laptop);
  ASSERT_EQ(jobs.size(), 2u);
  std::set<std::string> groups;
  for (const auto& job : jobs) {
    EXPECT_EQ(job.schedule_id, laptop.schedule_id);
    EXPECT_EQ(job.kind, store::JobKind::kBackup);
    EXPECT_EQ(job.scheduled_at, LastJanuaryFirst());
    groups.insert(job.source_group_id.value_or(""));
  }
  EXPECT_EQ(groups, (std::set<std::string>(laptop.groups.begin(), laptop.groups.end())));
  EXPECT_EQ(run->schedule_id, laptop.schedule_id);
  EXPECT_EQ(CatchupAudits(laptop), 1u);
  // Only the schedule's overdue groups: the disabled schedule and the check made nothing.
  EXPECT_EQ(JobsOf(laptop.host.id).size(), 3u);  // 2 catch-up + the earlier success
}

class AgentControllerFlappingCatchupTest : public AgentControllerCatchupTest {
 protected:
  ControllerOptions Options() override {
    ControllerOptions options = AgentControllerCatchupTest::Options();
    options.catchup_settle = 1s;  // long enough for the flapping below to happen inside it
    return options;
  }
};

TEST_F(AgentControllerFlappingCatchupTest, ReconnectFlappingReArmsAndNeverStacks) {
  const Laptop laptop = MakeLaptop("laptop");
  for (int i = 0; i < 4; ++i) {
    auto client = ConnectAndGreet(laptop.host);
    ASSERT_TRUE(client) << "connection " << i;
    client->Close();
  }
  auto client = ConnectAndGreet(laptop.host);
  ASSERT_TRUE(client);
  ASSERT_TRUE(WaitCaughtUp(laptop));
  EXPECT_TRUE(client->Expect<protocol::CommandRun>());

  // A control host connected now: once its own catch-up ran, every timer
  // armed by the flapping above has fired too.
  const Laptop control = MakeLaptop("control");
  auto control_client = ConnectAndGreet(control.host);
  ASSERT_TRUE(control_client);
  ASSERT_TRUE(WaitCaughtUp(control));
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(CatchupJobs(laptop).size(), 2u);
  EXPECT_EQ(CatchupAudits(laptop), 1u);
}

TEST_F(AgentControllerCatchupTest, AlwaysOnHostsAndHostsThatDroppedBeforeTheWindowEndedGetNone) {
  const Laptop always_on = MakeLaptop("server", /*always_on=*/true);
  const Laptop dropped = MakeLaptop("dropped");
  auto always_on_client = ConnectAndGreet(always_on.host);
  ASSERT_TRUE(always_on_client);
  {
    auto dropped_client = ConnectAndGreet(dropped.host);
    ASSERT_TRUE(dropped_client);
    dropped_client->Close();
    ASSERT_TRUE(WaitDisconnected(dropped.host.id));
  }
  // The control host's window started after both others': once its catch-up ran, theirs would have.
  const Laptop control = MakeLaptop("control");
  auto control_client = ConnectAndGreet(control.host);
  ASSERT_TRUE(control_client);
  ASSERT_TRUE(WaitCaughtUp(control));

  EXPECT_TRUE(CatchupJobs(always_on).empty());
  EXPECT_TRUE(CatchupJobs(dropped).empty());
  EXPECT_EQ(CatchupAudits(always_on), 0u);
  EXPECT_EQ(CatchupAudits(dropped), 0u);
  auto frames = always_on_client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
}

TEST_F(AgentControllerCatchupTest, AGroupThatSucceededSinceTheLastFireAndAnUpToDateHostGetNone) {
  const Laptop laptop = MakeLaptop("laptop");
  // Both overdue groups succeed before the agent connects: nothing is overdue.
  auto schedule = Store().Read([&](store::ReadTx& tx) { return tx.GetScheduleById(laptop.schedule_id); });
  ASSERT_TRUE(schedule.ok());
  for (const auto& group : laptop.groups) SucceededBefore(*schedule, laptop.schedule_id, group);
  auto client = ConnectAndGreet(laptop.host);
  ASSERT_TRUE(client);

  const Laptop control = MakeLaptop("control");
  auto control_client = ConnectAndGreet(control.host);
  ASSERT_TRUE(control_client);
  ASSERT_TRUE(WaitCaughtUp(control));
  EXPECT_TRUE(CatchupJobs(laptop).empty());
  EXPECT_EQ(CatchupAudits(laptop), 0u);
}

// ====================================================== browse and events

//! Remembers every published event.
//! A JSON string's text ("" for anything else).
std::string Text(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : std::string(); }

class RecordingSink : public events::EventSink {
 public:
  void Publish(events::Event event) override {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }
  //! The data of every event of `type` so far.
  std::vector<json::value> Of(const std::string& type) {
    std::lock_guard lock(mu_);
    std::vector<json::value> out;
    for (const auto& e : events_) {
      if (e.type == type) out.push_back(e.data);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<events::Event> events_;
};

//! Collects one browse answer.
struct BrowseAnswer {
  std::mutex mu;
  std::optional<Result<protocol::BrowseResult>> result;
  api::BrowseDone Done() {
    return [this](Result<protocol::BrowseResult> r) {
      std::lock_guard lock(mu);
      EXPECT_FALSE(result.has_value()) << "browse answered twice";
      result = std::move(r);
    };
  }
  bool Arrived() {
    std::lock_guard lock(mu);
    return result.has_value();
  }
};

class AgentControllerLiveTest : public AgentControllerTest {
 protected:
  ControllerOptions Options() override {
    ControllerOptions options = AgentControllerTest::Options();
    options.browse_timeout = 300ms;
    options.events = &sink_;
    return options;
  }
  api::BrowseQuery Query(const std::string& host_id, const std::string& repository_id,
                         std::string snapshot = "0123abcd", std::string path = "/home") {
    return api::BrowseQuery{host_id, repository_id, std::move(snapshot), std::move(path)};
  }
  RecordingSink sink_;
};

TEST_F(AgentControllerLiveTest, BrowseSendsTheRequestAndTheAgentsListingAnswersIt) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  auto client = ConnectAndGreet(host);
  ASSERT_TRUE(client);

  BrowseAnswer answer;
  Controller().Browse(Query(host.id, repository), answer.Done());
  auto request = client->Expect<protocol::BrowseRequest>();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->snapshot_id, "0123abcd");
  EXPECT_EQ(request->path, "/home");
  EXPECT_EQ(request->repository.id, repository);
  EXPECT_EQ(request->repository.url, "sftp:backup@nas:/srv/restic/nas");
  EXPECT_EQ(request->repository.password.Reveal(), kPassword);
  EXPECT_FALSE(answer.Arrived());

  protocol::BrowseResult result;
  result.request_id = request->request_id;
  protocol::BrowseEntry entry;
  entry.name = "notes.txt";
  entry.path = "/home/notes.txt";
  entry.size = 12;
  result.entries.push_back(entry);
  ASSERT_TRUE(client->Send(result));
  ASSERT_TRUE(WaitFor([&] { return answer.Arrived(); }));
  ASSERT_TRUE(answer.result->ok()) << answer.result->error().Describe();
  ASSERT_EQ((*answer.result)->entries.size(), 1u);
  EXPECT_EQ((*answer.result)->entries[0].path, "/home/notes.txt");

  // A second answer to the same request (a resend) changes nothing.
  ASSERT_TRUE(client->Send(result));
  ASSERT_TRUE(client->Sync());
}

TEST_F(AgentControllerLiveTest, BrowseOfAnOfflineHostOrABadQueryFailsAtOnceAndSendsNothing) {
  const TestHost offline = MakeHost("offline");
  const TestHost online = MakeHost("online");
  const std::string repository = MakeRepository("nas");
  auto client = ConnectAndGreet(online);
  ASSERT_TRUE(client);

  BrowseAnswer away;
  Controller().Browse(Query(offline.id, repository), away.Done());
  ASSERT_TRUE(away.Arrived());
  EXPECT_EQ(away.result->error().code, ErrorCode::kConflict);

  BrowseAnswer bad_snapshot;
  Controller().Browse(Query(online.id, repository, "not-hex!"), bad_snapshot.Done());
  ASSERT_TRUE(bad_snapshot.Arrived());
  EXPECT_EQ(bad_snapshot.result->error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_snapshot.result->error().field, "snapshot_id");

  BrowseAnswer bad_path;
  Controller().Browse(Query(online.id, repository, "0123abcd", "relative/path"), bad_path.Done());
  ASSERT_TRUE(bad_path.Arrived());
  EXPECT_EQ(bad_path.result->error().field, "path");

  BrowseAnswer no_repository;
  Controller().Browse(Query(online.id, "01NOREPOSITORY"), no_repository.Done());
  ASSERT_TRUE(no_repository.Arrived());
  EXPECT_EQ(no_repository.result->error().code, ErrorCode::kNotFound);

  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::BrowseRequest>(*frames).empty());
}

TEST_F(AgentControllerLiveTest, BrowseTimesOutAndAnotherHostsAnswerNeverCounts) {
  const TestHost host = MakeHost("laptop");
  const TestHost other = MakeHost("other");
  const std::string repository = MakeRepository("nas");
  auto client = ConnectAndGreet(host);
  auto intruder = ConnectAndGreet(other);
  ASSERT_TRUE(client && intruder);

  BrowseAnswer answer;
  Controller().Browse(Query(host.id, repository), answer.Done());
  auto request = client->Expect<protocol::BrowseRequest>();
  ASSERT_TRUE(request);
  protocol::BrowseResult forged;
  forged.request_id = request->request_id;
  forged.error = "forged";
  ASSERT_TRUE(intruder->Send(forged));
  ASSERT_TRUE(intruder->Sync());
  ASSERT_TRUE(WaitFor([&] { return answer.Arrived(); }));  // the 300 ms timeout, not the forgery
  EXPECT_EQ(answer.result->error().code, ErrorCode::kUnavailable);
  EXPECT_NE(answer.result->error().message.find("did not answer"), std::string::npos);

  // The real answer after the timeout has no waiter left.
  protocol::BrowseResult late;
  late.request_id = request->request_id;
  ASSERT_TRUE(client->Send(late));
  ASSERT_TRUE(client->Sync());
}

TEST_F(AgentControllerLiveTest, BrowseWaitingWhenTheAgentDisconnectsFailsWithConflict) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  auto client = ConnectAndGreet(host);
  ASSERT_TRUE(client);
  BrowseAnswer answer;
  Controller().Browse(Query(host.id, repository), answer.Done());
  ASSERT_TRUE(client->Expect<protocol::BrowseRequest>());
  client.reset();
  ASSERT_TRUE(WaitFor([&] { return answer.Arrived(); }));
  EXPECT_EQ(answer.result->error().code, ErrorCode::kConflict);
}

TEST_F(AgentControllerLiveTest, HostsAndEveryJobStepArePublished) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  const std::string group = MakeGroup(host.id, "home", {"/home"});
  auto client = ConnectAndGreet(host);
  ASSERT_TRUE(client);
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& h : sink_.Of("host")) {
      if (Text(h.at("id")) == host.id && h.at("connected").as_bool() && !h.at("hostname").is_null()) return true;
    }
    return false;
  }));

  const std::string job = QueueJob(host.id, repository, group);
  Controller().JobsQueued(host.id);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  ASSERT_TRUE(client->Send(Started(job)));
  protocol::JobProgress progress;
  progress.job_id = job;
  progress.percent_done = 0.5;
  progress.bytes_done = 512;
  progress.total_bytes = 1024;
  ASSERT_TRUE(client->Send(progress));
  protocol::JobLog log;
  log.job_id = job;
  log.lines.push_back(protocol::LogLine{protocol::LogStream::kStdout, "scanning", Clock::now()});
  ASSERT_TRUE(client->Send(log));
  ASSERT_TRUE(client->Send(Succeeded(job)));
  ASSERT_TRUE(client->Expect<protocol::ResultAck>());

  std::vector<std::string> statuses;
  for (const auto& j : sink_.Of("job")) {
    if (Text(j.at("id")) == job) statuses.emplace_back(j.at("status").as_string());
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"dispatched", "running", "succeeded"}));
  auto progresses = sink_.Of("job.progress");
  ASSERT_EQ(progresses.size(), 1u);
  EXPECT_EQ(Text(progresses[0].at("job_id")), job);
  EXPECT_EQ(Text(progresses[0].at("host_id")), host.id);
  EXPECT_EQ(progresses[0].at("progress").at("bytes_done").to_number<int64_t>(), 512);
  auto logs = sink_.Of("job.log");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(Text(logs[0].at("lines").as_array().at(0).at("text")), "scanning");
  EXPECT_EQ(logs[0].at("lines").as_array().at(0).at("seq").to_number<int64_t>(), 0);

  client.reset();
  ASSERT_TRUE(WaitFor([&] {
    auto hosts = sink_.Of("host");
    return !hosts.empty() && Text(hosts.back().at("id")) == host.id && !hosts.back().at("connected").as_bool();
  }));
}

}  // namespace
}  // namespace rmgr::server::agents
