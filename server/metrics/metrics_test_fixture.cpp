#include "server/metrics/metrics_test_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/util/ulid.h"

namespace rmgr::server::metrics::testing {
namespace {

template <class T>
T Must(Result<T> result) {
  if (!result.ok()) throw std::runtime_error("seeding the store: " + result.error().Describe());
  return std::move(result).value();
}

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

SeededBackup SeedSucceededBackup(store::Store& store) {
  SeededBackup seeded;
  seeded.host = Must(store.Write([](store::WriteTx& tx) {
    return tx.CreateHost(store::NewHost{
        .name = "web-1", .hostname = "web-1.lan", .always_on = true, .token_hash = "hash-of-web-1"});
  }));
  Must(store.Write([&](store::WriteTx& tx) -> Result<bool> {
    store::HostStatus status;
    status.connected = true;
    status.seen_at = Clock::now();
    if (auto ok = tx.UpdateHostStatus(seeded.host.id, status); !ok) return ok.error();
    return true;
  }));
  store::Repository repository;
  repository.name = "offsite";
  repository.url = "/srv/restic/offsite";
  repository.secret_ciphertext = {1, 2, 3};
  repository.secret_nonce = {4, 5, 6};
  seeded.repository = Must(store.Write([&](store::WriteTx& tx) { return tx.CreateRepository(repository); }));
  store::SourceGroup group;
  group.host_id = seeded.host.id;
  group.name = "etc";
  group.paths = {"/etc"};
  seeded.group = Must(store.Write([&](store::WriteTx& tx) { return tx.CreateSourceGroup(group); }));
  store::Schedule schedule;
  schedule.host_id = seeded.host.id;
  schedule.name = "nightly";
  schedule.cron = "0 3 * * *";
  schedule.repository_id = seeded.repository.id;
  schedule.source_group_ids = {seeded.group.id};
  seeded.schedule =
      Must(store.Write([&](store::WriteTx& tx) { return tx.CreateSchedule(schedule); })).schedule;

  const auto run = [&](store::NewJob job, store::JobResult result) {
    return Must(store.Write([&](store::WriteTx& tx) -> Result<store::Job> {
      auto made = tx.CreateJob(job);
      if (!made) return made.error();
      if (auto d = tx.TransitionJob(made->id, store::JobStatus::kDispatched); !d) return d.error();
      if (auto r = tx.TransitionJob(made->id, store::JobStatus::kRunning); !r) return r.error();
      auto finished = tx.FinishJob(made->id, result);
      if (!finished) return finished.error();
      return finished->job;
    }));
  };
  store::NewJob backup;
  backup.host_id = seeded.host.id;
  backup.actor_kind = store::ActorKind::kSchedule;
  backup.actor_id = seeded.schedule.id;
  backup.schedule_id = seeded.schedule.id;
  backup.source_group_id = seeded.group.id;
  backup.repository_id = seeded.repository.id;
  backup.scheduled_at = Clock::now() - std::chrono::minutes(5);
  store::JobResult succeeded;
  succeeded.status = store::JobStatus::kSucceeded;
  succeeded.exit_code = 0;
  succeeded.snapshot_id = std::string(64, 'a');
  succeeded.summary_json =
      R"({"files_new":3,"files_changed":1,"total_files_processed":120,"data_added":1234,)"
      R"("total_bytes_processed":56789,"total_duration":2.5})";
  seeded.backup = run(backup, succeeded);
  store::NewJob check;
  check.host_id = seeded.host.id;
  check.kind = store::JobKind::kCheck;
  check.actor_kind = store::ActorKind::kApi;
  check.repository_id = seeded.repository.id;
  store::JobResult failed;
  failed.status = store::JobStatus::kFailed;
  failed.exit_code = 1;
  failed.error = "pack 0123 damaged";
  failed.error_kind = store::ErrorKind::kOther;
  seeded.check = run(check, failed);

  std::vector<store::Snapshot> snapshots(2);
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    snapshots[i].id = std::string(63, 'b') + std::to_string(i);
    snapshots[i].short_id = snapshots[i].id.substr(0, 8);
    snapshots[i].time = Clock::now() - std::chrono::hours(static_cast<int>(i));
    snapshots[i].hostname = "web-1.lan";
    snapshots[i].host_id = seeded.host.id;
  }
  Must(store.Write([&](store::WriteTx& tx) { return tx.UpsertSnapshots(seeded.repository.id, snapshots); }));
  return seeded;
}

std::optional<ToolRun> RunPromtool(const std::vector<std::string>& args, const std::string& stdin_text) {
  if (::access("/usr/bin/promtool", X_OK) != 0) return std::nullopt;
  const auto input = std::filesystem::temp_directory_path() /
                     ("rmgr-promtool-" + std::to_string(::getpid()) + "-" + NewUlid() + ".txt");
  std::ofstream(input, std::ios::binary) << stdin_text;
  std::string command = "/usr/bin/promtool";
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  command += " < " + ShellQuote(input.string()) + " 2>&1";
  ToolRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run promtool");
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::filesystem::remove(input);
  return run;
}

std::vector<std::string> FamilyNames(const std::string& scrape) {
  std::vector<std::string> names;
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    constexpr std::string_view kType = "# TYPE ";
    if (line.rfind(kType, 0) != 0) continue;
    const auto end = line.find(' ', kType.size());
    names.push_back(line.substr(kType.size(), end - kType.size()));
  }
  return names;
}

}  // namespace rmgr::server::metrics::testing
