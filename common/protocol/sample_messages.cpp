#include "common/protocol/sample_messages.h"

#include <cstdlib>
#include <iostream>

namespace rmgr::protocol::testing {
namespace {

constexpr std::string_view kHostId = "01HZX3NDEKTSV4RRFFQ69G5FAV";
constexpr std::string_view kJobId = "01HZX3P0000000000000000J0B";
constexpr std::string_view kScheduleId = "01HZX3P00000000000000SCHED";

Repository SampleRepository() {
  Repository repo;
  repo.id = "01HZX3P0000000000000000REP";
  repo.url = "s3:https://s3.example.com/bucket/restic";
  repo.password = Secret(std::string(kSamplePassword));
  repo.env = std::map<std::string, Secret>{{"AWS_ACCESS_KEY_ID", Secret("AKIAEXAMPLE")},
                                           {"AWS_SECRET_ACCESS_KEY", Secret(std::string(kSampleEnvSecret))}};
  return repo;
}

}  // namespace

TimePoint At(std::string_view rfc3339) {
  auto parsed = ParseRfc3339(rfc3339);
  if (!parsed.ok()) {
    std::cerr << "bad test time " << rfc3339 << ": " << parsed.error().Describe() << "\n";
    std::abort();
  }
  return parsed->time;
}

CommandRun SampleCommandRun() {
  CommandRun run;
  run.job_id = kJobId;
  run.kind = JobKind::kBackup;
  run.repository = SampleRepository();
  run.source_group = SourceGroup{.id = "01HZX3P000000000000000GRP1",
                                 .name = "home dirs",
                                 .paths = {"/home", "/etc/ünïcode"},
                                 .excludes = {"*.tmp", "/home/*/.cache"},
                                 .tags = {"daily", "home"}};
  run.retention = Retention{.keep_last = 3,
                            .keep_hourly = 24,
                            .keep_daily = 7,
                            .keep_weekly = 4,
                            .keep_monthly = 12,
                            .keep_yearly = 2,
                            .keep_within = "1y6m",
                            .keep_tags = {"keep"},
                            .prune = true};
  run.options.backup = BackupOptions{.extra_tags = {"scheduled"}, .host = "laptop"};
  run.options.check = CheckOptions{.read_data_subset = "1/5"};
  run.options.restore =
      RestoreOptions{.snapshot_id = "4f2a9c1e", .include_paths = {"/home/ann"}, .target = "/srv/restore"};
  run.hooks = Hooks{.pre = "systemctl stop db", .post = "systemctl start db", .timeout_seconds = 600};
  run.schedule_id = kScheduleId;
  run.scheduled_at = At("2026-11-22T02:00:00Z");
  run.max_runtime_seconds = 86400;
  run.stall_timeout_seconds = 1800;
  return run;
}

std::vector<Envelope> SampleEnvelopes() {
  const std::string request_id = "01HZX3P000000000000000REQ1";
  std::vector<Envelope> out;
  out.push_back({"", Hello{.agent_version = "0.1.0",
                           .restic_version = "0.14.0",
                           .hostname = "laptop.example.com",
                           .os = "linux",
                           .arch = "amd64",
                           .applied_schedule_version = 7,
                           .running_job_ids = {std::string(kJobId)},
                           .unacked_results = 2,
                           .install_id = "01HZX3P00000000000000NSTA1",
                           .restore_root = "/var/lib/restic-manager-agent/restore",
                           .restore_anywhere = false,
                           .hook_policy = HookPolicy::kAllowlist,
                           .hook_allow = std::vector<std::string>{"/usr/local/sbin/dump-db"}}});
  out.push_back(
      {"", HelloOk{.host_id = std::string(kHostId), .server_time = At("2026-11-22T15:40:30.250Z")}});
  ScheduleSet set{.version = 8, .schedules = {}};
  set.schedules.push_back({.id = std::string(kScheduleId),
                           .kind = JobKind::kBackup,
                           .cron = "CRON_TZ=Europe/Berlin 0 2 * * *",
                           .enabled = true,
                           .timezone = "Europe/Berlin",
                           .jitter_seconds = 300});
  set.schedules.push_back({.id = "01HZX3P00000000000000SCHE2",
                           .kind = JobKind::kCheck,
                           .cron = "@weekly",
                           .enabled = false,
                           .timezone = "",
                           .jitter_seconds = 0});
  out.push_back({"", set});
  out.push_back({"", ScheduleAck{.version = 8,
                                 .applied_at = At("2026-11-22T15:40:31Z"),
                                 .rejected = std::vector<ScheduleRejection>{
                                     {.schedule_id = "01HZX3P00000000000000SCHE3",
                                      .reason = "unknown time zone \"Mars/Olympus\""}}}});
  out.push_back({"01HZX3P0000000000000F1RE01", ScheduleFire{.schedule_id = std::string(kScheduleId),
                                                            .scheduled_at = At("2026-11-22T02:00:00Z"),
                                                            .late = true}});
  out.push_back({"01HZX3P000000000000000RVN1", SampleCommandRun()});
  CommandRun drill = SampleCommandRun();
  drill.kind = JobKind::kDrill;
  drill.retention.reset();
  drill.options = JobOptions{.drill = DrillOptions{.sample_files = 50, .max_bytes = uint64_t{1} << 30}};
  drill.hooks.reset();
  out.push_back({"01HZX3P000000000000000RVN2", drill});
  out.push_back({"", CommandCancel{.job_id = std::string(kJobId)}});
  out.push_back({"", JobStarted{.job_id = std::string(kJobId),
                                .started_at = At("2026-11-22T02:00:05.125Z"),
                                .restic_pid = 4242}});
  out.push_back({"", JobProgress{.job_id = std::string(kJobId),
                                 .percent_done = 0.37,
                                 .total_files = 120000,
                                 .files_done = 44400,
                                 .total_bytes = 53687091200,
                                 .bytes_done = 19864223744,
                                 .seconds_elapsed = 312,
                                 .seconds_remaining = 531,
                                 .error_count = 1,
                                 .current_files = {"/home/ann/video.mkv", "/home/ann/db.sqlite"}}});
  out.push_back(
      {"", JobLog{.job_id = std::string(kJobId),
                  .first_seq = 17,
                  .lines = {{LogStream::kStdout, "scan finished", At("2026-11-22T02:00:06Z")},
                            {LogStream::kStderr, "error: open /home/ann/x: permission denied",
                             At("2026-11-22T02:00:07.001Z")},
                            {LogStream::kAgent, "pre-hook finished in 2s", At("2026-11-22T02:00:04Z")}}}});
  const SnapshotIndex index{
      .complete = false,
      .snapshots = {{.id = "4f2a9c1e0b7d4e2f9a8c7b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f",
                     .short_id = "4f2a9c1e",
                     .time = At("2026-11-22T02:00:06.789Z"),
                     .hostname = "laptop",
                     .paths = {"/home", "/etc/ünïcode"},
                     .tags = {"daily", "home", "scheduled"}}}};
  out.push_back({"", JobResult{.job_id = std::string(kJobId),
                               .status = JobStatus::kPartial,
                               .exit_code = 3,
                               .summary = BackupSummary{.files_new = 10,
                                                        .files_changed = 5,
                                                        .files_unmodified = 119985,
                                                        .dirs_new = 1,
                                                        .dirs_changed = 2,
                                                        .dirs_unmodified = 3000,
                                                        .data_blobs = 40,
                                                        .tree_blobs = 12,
                                                        .data_added = 7340032,
                                                        .total_files_processed = 120000,
                                                        .total_bytes_processed = 53687091200,
                                                        .total_duration = 843.512,
                                                        .snapshot_id = "4f2a9c1e"},
                               .snapshot_id = "4f2a9c1e",
                               .error = "1 file could not be read",
                               .error_kind = ErrorKind::kOther,
                               .started_at = At("2026-11-22T02:00:05Z"),
                               .finished_at = At("2026-11-22T02:14:09Z"),
                               .snapshot_index = index}});
  // A stats job's measurement (restic 0.18 on a repository of format 2) and a drill that found a mismatch.
  out.push_back({"", JobResult{.job_id = std::string(kJobId),
                               .status = JobStatus::kSucceeded,
                               .exit_code = 0,
                               .started_at = At("2026-11-22T04:00:00Z"),
                               .finished_at = At("2026-11-22T04:01:30Z"),
                               .stats = RepositoryStats{.raw_data_bytes = 667561804647,
                                                        .uncompressed_bytes = 681918411961,
                                                        .compression_ratio = 1.021506,
                                                        .compression_progress = 100,
                                                        .compression_space_saving = 2.105326,
                                                        .blobs = 680045,
                                                        .snapshots = 22,
                                                        .restore_size_bytes = 4685851012530,
                                                        .restore_files = 2119631,
                                                        .restore_snapshots = 3}}});
  out.push_back({"", JobResult{.job_id = std::string(kJobId),
                               .status = JobStatus::kFailed,
                               .exit_code = 0,
                               .error = "1 of 20 sampled files came back different from the backup",
                               .error_kind = ErrorKind::kVerifyMismatch,
                               .started_at = At("2026-11-22T05:00:00Z"),
                               .finished_at = At("2026-11-22T05:00:42Z"),
                               .drill = DrillSummary{.snapshot_id = "4f2a9c1e",
                                                     .sampled = 20,
                                                     .verified = 17,
                                                     .size_only = 2,
                                                     .mismatched = 1,
                                                     .unreadable = 0,
                                                     .bytes_restored = 1048576,
                                                     .mismatched_paths = {"/home/ann/ünïcode.txt"},
                                                     .unreadable_paths = {}}}});
  out.push_back({"", ResultAck{.job_id = std::string(kJobId)}});
  BrowseRequest browse{.request_id = request_id,
                       .repository = SampleRepository(),
                       .snapshot_id = "4f2a9c1e0b7d4e2f9a8c7b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f",
                       .path = "/home/ann"};
  out.push_back({request_id, browse});
  out.push_back({request_id, BrowseResult{.request_id = request_id,
                                          .entries = {{.name = "notes.txt",
                                                       .type = NodeType::kFile,
                                                       .path = "/home/ann/notes.txt",
                                                       .size = 1234,
                                                       .mtime = At("2025-01-02T03:04:05Z"),
                                                       .permissions = "-rw-r--r--"},
                                                      {.name = "photos",
                                                       .type = NodeType::kDir,
                                                       .path = "/home/ann/photos",
                                                       .size = 0,
                                                       .mtime = std::nullopt,
                                                       .permissions = "drwxr-xr-x"}},
                                          .truncated = true,
                                          .error = "listing cut at 2 entries"}});
  out.push_back({"", Ping{.nonce = "n-1", .sent_at = At("2026-11-22T15:40:30.001Z")}});
  out.push_back({"", Pong{.nonce = "n-1", .sent_at = At("2026-11-22T15:40:30.002Z")}});
  out.push_back({"", FireAnswer{.schedule_id = std::string(kScheduleId),
                                .scheduled_at = At("2026-11-22T02:00:00Z"),
                                .outcome = FireOutcome::kJob,
                                .job_ids = {std::string(kJobId)},
                                .reason = "one job per source group"}});
  out.push_back({"", JobsRunning{.running_job_ids = {std::string(kJobId)},
                                 .unacked_job_ids = {"01HZX3P000000000000000J0B2"},
                                 .at = At("2026-11-22T02:01:00Z")}});
  out.push_back({"", TlsNext{.fingerprint = "sha256:" + std::string(64, 'a')}});
  out.push_back({"", AgentUpdate{.rollout_id = "01HZX3P00000000000000RXN01",
                                 .version = "0.2.0",
                                 .path = "/api/v1/agent/releases/0.2.0/bundle",
                                 .size = 41943040,
                                 .sha256 = std::string(64, 'b'),
                                 .signature = std::string(128, 'c')}});
  out.push_back({"", AgentUpdateStatus{.rollout_id = "01HZX3P00000000000000RXN01",
                                       .version = "0.2.0",
                                       .outcome = UpdateOutcome::kRolledBack,
                                       .reason = "0.2.0 exited with status 1 before it connected"}});
  out.push_back({"", AgentRollback{.rollout_id = "01HZX3P00000000000000RXN01", .version = "0.2.0"}});
  return out;
}

}  // namespace rmgr::protocol::testing
