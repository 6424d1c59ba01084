#include "agent/runner/restic_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rmgr::agent::runner {
namespace {

using protocol::CommandRun;
using protocol::JobKind;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr const char* kPassword = "pa55-very-secret-word";

ResticCommandConfig Config() {
  ResticCommandConfig c;
  c.restic_binary = "/usr/bin/restic";
  c.state_dir = "/var/lib/rmgr";
  c.progress_fps = 2;
  return c;
}

CommandRun MakeRun(JobKind kind) {
  CommandRun run;
  run.job_id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
  run.kind = kind;
  run.repository.url = "/srv/repo";
  run.repository.password = schema::Secret(kPassword);
  return run;
}

std::vector<std::string> Argv(const CommandRun& run) {
  auto inv = BuildResticCommand(run, Config());
  EXPECT_TRUE(inv.ok()) << (inv.ok() ? "" : inv.error().Describe());
  return inv.ok() ? inv->argv : std::vector<std::string>{};
}

std::vector<std::string> Prefix(const char* sub) {
  return {"/usr/bin/restic", sub, "--password-file", "/dev/fd/3"};
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ResticCommand, BackupArgv) {
  auto run = MakeRun(JobKind::kBackup);
  run.source_group = protocol::SourceGroup{"g", "etc", {"/etc", "-odd"}, {"*.tmp", "/etc/ssl"}, {"daily"}};
  run.options.backup = protocol::BackupOptions{{"extra"}, std::string("web1")};
  EXPECT_THAT(Argv(run),
              ElementsAreArray(Concat(
                  Prefix("backup"), {"--json", "--host", "web1", "--tag", "daily", "--tag", "extra",
                                     "--exclude", "*.tmp", "--exclude", "/etc/ssl", "--", "/etc", "-odd"})));
}

TEST(ResticCommand, BackupWithoutOptions) {
  auto run = MakeRun(JobKind::kBackup);
  run.source_group = protocol::SourceGroup{"g", "home", {"/home"}, {}, {}};
  EXPECT_THAT(Argv(run), ElementsAreArray(Concat(Prefix("backup"), {"--json", "--", "/home"})));
}

TEST(ResticCommand, BackupNeedsSourceGroup) {
  EXPECT_FALSE(BuildResticCommand(MakeRun(JobKind::kBackup), Config()).ok());
}

TEST(ResticCommand, ForgetArgv) {
  auto run = MakeRun(JobKind::kForget);
  protocol::Retention r;
  r.keep_last = 3;
  r.keep_hourly = 4;
  r.keep_daily = 7;
  r.keep_weekly = 5;
  r.keep_monthly = 12;
  r.keep_yearly = 2;
  r.keep_within = "1y6m";
  r.keep_tags = {"keep", "gold"};
  r.prune = true;
  run.retention = r;
  EXPECT_THAT(Argv(run),
              ElementsAreArray(Concat(Prefix("forget"), {"--json", "--keep-last",    "3",    "--keep-hourly",
                                                         "4",      "--keep-daily",   "7",    "--keep-weekly",
                                                         "5",      "--keep-monthly", "12",   "--keep-yearly",
                                                         "2",      "--keep-within",  "1y6m", "--keep-tag",
                                                         "keep",   "--keep-tag",     "gold", "--prune"})));
}

TEST(ResticCommand, ForgetOnlyGivenFlags) {
  auto run = MakeRun(JobKind::kForget);
  run.retention = protocol::Retention{};
  run.retention->keep_daily = 7;
  EXPECT_THAT(Argv(run), ElementsAreArray(Concat(Prefix("forget"), {"--json", "--keep-daily", "7"})));
  EXPECT_FALSE(BuildResticCommand(MakeRun(JobKind::kForget), Config()).ok());
}

TEST(ResticCommand, SimpleKinds) {
  EXPECT_THAT(Argv(MakeRun(JobKind::kPrune)), ElementsAreArray(Prefix("prune")));
  EXPECT_THAT(Argv(MakeRun(JobKind::kInit)), ElementsAreArray(Prefix("init")));
  EXPECT_THAT(Argv(MakeRun(JobKind::kUnlock)), ElementsAreArray(Prefix("unlock")));
  EXPECT_THAT(Argv(MakeRun(JobKind::kCheck)), ElementsAreArray(Prefix("check")));
  EXPECT_THAT(Argv(MakeRun(JobKind::kSnapshots)), ElementsAreArray(Concat(Prefix("snapshots"), {"--json"})));
}

TEST(ResticCommand, CheckReadDataSubset) {
  auto run = MakeRun(JobKind::kCheck);
  run.options.check = protocol::CheckOptions{std::string("1/5")};
  EXPECT_THAT(Argv(run), ElementsAreArray(Concat(Prefix("check"), {"--read-data-subset", "1/5"})));
}

TEST(ResticCommand, RestoreArgv) {
  auto run = MakeRun(JobKind::kRestore);
  run.options.restore = protocol::RestoreOptions{"0123abcd", {"/etc/hosts", "/etc/fstab"}, "/tmp/out"};
  EXPECT_THAT(Argv(run),
              ElementsAreArray(Concat(Prefix("restore"), {"--target", "/tmp/out", "--include", "/etc/hosts",
                                                          "--include", "/etc/fstab", "0123abcd"})));
}

TEST(ResticCommand, NewerResticWaitsForLocksAndReportsRestoreProgress) {
  ResticCommandConfig config = Config();
  config.features = FeaturesOf(ResticVersion{0, 18, 0});
  config.retry_lock = std::chrono::seconds(10);
  const auto argv = [&](const CommandRun& run) {
    auto inv = BuildResticCommand(run, config);
    EXPECT_TRUE(inv.ok());
    return inv.ok() ? inv->argv : std::vector<std::string>{};
  };
  const std::vector<std::string> wait = {"--retry-lock", "10s"};
  EXPECT_THAT(argv(MakeRun(JobKind::kPrune)), ElementsAreArray(Concat(Prefix("prune"), wait)));
  EXPECT_THAT(argv(MakeRun(JobKind::kCheck)), ElementsAreArray(Concat(Prefix("check"), wait)));
  // init makes the repository and unlock removes locks: neither waits for one.
  EXPECT_THAT(argv(MakeRun(JobKind::kInit)), ElementsAreArray(Prefix("init")));
  EXPECT_THAT(argv(MakeRun(JobKind::kUnlock)), ElementsAreArray(Prefix("unlock")));
  auto restore = MakeRun(JobKind::kRestore);
  restore.options.restore = protocol::RestoreOptions{"0123abcd", {}, "/tmp/out"};
  EXPECT_THAT(argv(restore), ElementsAreArray(Concat(Concat(Prefix("restore"), wait),
                                                     {"--json", "--target", "/tmp/out", "0123abcd"})));
  // The same features with no wait configured add nothing for locks.
  config.retry_lock = std::chrono::seconds(0);
  EXPECT_THAT(argv(MakeRun(JobKind::kPrune)), ElementsAreArray(Prefix("prune")));
  // restic 0.14 (no features) is never given a flag it does not know, whatever the wait.
  config.features = FeaturesOf(ResticVersion{0, 14, 0});
  config.retry_lock = std::chrono::seconds(10);
  EXPECT_THAT(argv(MakeRun(JobKind::kPrune)), ElementsAreArray(Prefix("prune")));
  EXPECT_THAT(argv(restore),
              ElementsAreArray(Concat(Prefix("restore"), {"--target", "/tmp/out", "0123abcd"})));
}

TEST(ResticCommand, RestoreRejectsBadSnapshotId) {
  auto run = MakeRun(JobKind::kRestore);
  run.options.restore = protocol::RestoreOptions{"--target=/", {}, "/tmp/out"};
  EXPECT_FALSE(BuildResticCommand(run, Config()).ok());
  EXPECT_FALSE(BuildResticCommand(MakeRun(JobKind::kRestore), Config()).ok());
}

TEST(ResticCommand, LsArgv) {
  auto repo = MakeRun(JobKind::kLs).repository;
  auto inv = BuildLsCommand(repo, "0123abcd", "/etc", Config());
  ASSERT_TRUE(inv.ok());
  EXPECT_THAT(inv->argv, ElementsAreArray(Concat(Prefix("ls"), {"--no-lock", "--json", "0123abcd", "/etc"})));
  EXPECT_FALSE(BuildLsCommand(repo, "0123abcd", "etc", Config()).ok());
  EXPECT_FALSE(BuildResticCommand(MakeRun(JobKind::kLs), Config()).ok());
}

TEST(ResticCommand, Environment) {
  auto run = MakeRun(JobKind::kInit);
  run.repository.env = std::map<std::string, schema::Secret>{{"AWS_ACCESS_KEY_ID", schema::Secret("AKIA")}};
  auto config = Config();
  config.base_env = {"PATH=/usr/bin:/bin", "RESTIC_PASSWORD=leak", "HOME=/root"};
  auto inv = BuildResticCommand(run, config);
  ASSERT_TRUE(inv.ok());
  EXPECT_THAT(inv->env, ElementsAre("PATH=/usr/bin:/bin", "HOME=/root", "AWS_ACCESS_KEY_ID=AKIA",
                                    "RESTIC_REPOSITORY=/srv/repo", "RESTIC_CACHE_DIR=/var/lib/rmgr/cache",
                                    "RESTIC_PROGRESS_FPS=2"));
}

TEST(ResticCommand, RepositoryEnvMayNotSetPassword) {
  for (const char* name : {"RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND",
                           "RESTIC_REPOSITORY", "BAD=NAME", ""}) {
    auto run = MakeRun(JobKind::kInit);
    run.repository.env = std::map<std::string, schema::Secret>{{name, schema::Secret("x")}};
    EXPECT_FALSE(BuildResticCommand(run, Config()).ok()) << name;
  }
}

TEST(ResticCommand, PasswordInNoArgvOrEnv) {
  for (JobKind kind : {JobKind::kBackup, JobKind::kForget, JobKind::kPrune, JobKind::kCheck,
                       JobKind::kRestore, JobKind::kInit, JobKind::kUnlock, JobKind::kSnapshots}) {
    auto run = MakeRun(kind);
    run.source_group = protocol::SourceGroup{"g", "n", {"/x"}, {}, {}};
    run.retention = protocol::Retention{};
    run.retention->keep_last = 1;
    run.options.restore = protocol::RestoreOptions{"0123abcd", {}, "/t"};
    auto inv = BuildResticCommand(run, Config());
    ASSERT_TRUE(inv.ok()) << protocol::ToString(kind);
    for (const auto& s : inv->argv) EXPECT_EQ(s.find(kPassword), std::string::npos) << s;
    for (const auto& s : inv->env) EXPECT_EQ(s.find(kPassword), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace rmgr::agent::runner
