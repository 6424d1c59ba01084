// Agents connecting, saying hello, acking schedule sets; schedule pushes.
#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

// ================================================================ hello

TEST_F(SchedulingTest, UpgradeWithABadOrMissingTokenIsRefusedAndChangesNothing) {
  const TestHost host = MakeHost("laptop");
  const store::Host before = HostOf(host.id);

  ws::testing::FakeAgentClient wrong(Port(), auth::NewToken("rmh_"));
  EXPECT_FALSE(wrong.Open());
  EXPECT_EQ(wrong.HandshakeStatus(), 401u);
  ws::testing::FakeAgentClient none(Port(), "");
  EXPECT_FALSE(none.Open());
  EXPECT_EQ(none.HandshakeStatus(), 401u);

  const store::Host after = HostOf(host.id);
  EXPECT_FALSE(after.connected);
  EXPECT_EQ(after.last_seen_at, before.last_seen_at);
  EXPECT_EQ(after.hostname, before.hostname);
  EXPECT_EQ(after.agent_version, before.agent_version);
}

TEST_F(SchedulingTest, HelloIsAnsweredWithHelloOkAndTheFullScheduleSetAndIsRecorded) {
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

// The agent's local policy (restore root, consent, hooks) is what its hello
// says, kept on the host for the API, the UI and the restore check.
TEST_F(SchedulingTest, HelloRecordsTheAgentsRestoreAndHookPolicy) {
  const TestHost host = MakeHost("laptop");
  auto client = Connect(host);
  ASSERT_TRUE(client->Open());
  protocol::Hello hello = HelloWith();
  hello.restore_root = "/var/lib/restic-manager-agent/restore";
  hello.restore_anywhere = true;
  hello.hook_policy = protocol::HookPolicy::kAllowlist;
  hello.hook_allow = std::vector<std::string>{"/usr/local/sbin/dump-db", "/usr/bin/true"};
  ASSERT_TRUE(client->Send(hello));
  ASSERT_TRUE(client->Expect<protocol::HelloOk>());
  const store::Host stored = HostOf(host.id);
  EXPECT_EQ(stored.restore_root, "/var/lib/restic-manager-agent/restore");
  EXPECT_TRUE(stored.restore_anywhere);
  EXPECT_EQ(stored.hook_policy, "allowlist");
  EXPECT_EQ(stored.hook_allow, (std::vector<std::string>{"/usr/local/sbin/dump-db", "/usr/bin/true"}));

  // An agent restarted with another policy says so in its next hello.
  client->Close();
  ASSERT_TRUE(WaitDisconnected(host.id));
  auto again = Connect(host);
  ASSERT_TRUE(again->Open());
  hello.restore_anywhere = false;
  hello.hook_policy = protocol::HookPolicy::kRefuse;
  hello.hook_allow = std::vector<std::string>{};
  ASSERT_TRUE(again->Send(hello));
  ASSERT_TRUE(again->Expect<protocol::HelloOk>());
  const store::Host changed = HostOf(host.id);
  EXPECT_FALSE(changed.restore_anywhere);
  EXPECT_EQ(changed.hook_policy, "refuse");
  EXPECT_TRUE(changed.hook_allow.empty());
}

TEST_F(SchedulingTest, MessagesBeforeHelloAreIgnored) {
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

TEST_F(SchedulingTest, ScheduleAckOfTheCanonicalVersionIsRecordedAndZeroOrAboveIgnored) {
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

TEST_F(SchedulingTest, SchedulesChangedPushesTheNewVersionAndRepeatingItIsHarmless) {
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

}  // namespace
}  // namespace rmgr::server::scheduling
