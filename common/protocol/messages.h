#pragma once
// The typed payload of every agent ⇄ server message (DESIGN.md "Wire
// protocol"). Field names are the JSON names; the exact wire rules (lengths,
// ranges, which ids are ULIDs) are in wire_schema.h and limits.h.
//
// Conventions: a std::optional member is an optional field (omitted when
// empty); every other member is required (lists may be empty). Times are
// RFC 3339 UTC on the wire with millisecond precision (the decoder floors to
// milliseconds) and must lie in [limits::kMinTime, limits::kMaxTime).
// Counts are uint64 on the wire but at most limits::kMaxCount.
// Thread safety: plain value types; no shared state.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/protocol/enums.h"
#include "common/schema/secret.h"
#include "common/util/time_format.h"

namespace rmgr::protocol {

//! Password-like text that formats as "<redacted>" (see common/schema/secret.h).
using schema::Secret;

// ---------------------------------------------------------------- connection

//! agent → server, first frame after the upgrade: who the agent is and what it still owes.
struct Hello {
  static constexpr std::string_view kType = "hello";  ///< Envelope type.

  std::string agent_version{};           ///< restic-manager-agent version, non-empty.
  std::string restic_version{};          ///< `restic version` output's version; empty if restic is missing.
  std::string hostname{};                ///< The host's name, non-empty.
  std::string os{};                      ///< GOOS-style name ("linux"), non-empty.
  std::string arch{};                    ///< GOARCH-style name ("amd64"), non-empty.
  int64_t applied_schedule_version = 0;  ///< Version of the schedule set in force (0 = none).
  std::vector<std::string> running_job_ids{};  ///< ULIDs of jobs the agent is running now.
  uint64_t unacked_results = 0;                ///< job.result frames in the outbox awaiting result.ack.
  std::optional<std::string> install_id{};     ///< ULID the agent made once and keeps in its state file:
                                               ///< two ids for one host token = two machines.
  std::optional<std::vector<std::string>> unacked_job_ids{};  ///< Whose results those are (up to the
                                                              ///< wire's limit); absent from older agents.
  std::optional<std::string> restore_root{};  ///< Where operators may restore on this host (absolute);
                                              ///< absent from older agents.
  std::optional<bool> restore_anywhere{};     ///< The host's owner consents to restores outside restore_root
                                              ///< (an admin's, in place included).
  std::optional<HookPolicy> hook_policy{};    ///< What the agent does with hooks.
  std::optional<std::vector<std::string>>
      hook_allow{};  ///< The programs an allowlist policy runs (absolute).

  friend bool operator==(const Hello&, const Hello&) = default;
};

//! server → agent: the agent is accepted.
struct HelloOk {
  static constexpr std::string_view kType = "hello.ok";  ///< Envelope type.

  std::string host_id{};    ///< The host's ULID.
  TimePoint server_time{};  ///< Server clock when sent (the agent may warn about skew).

  friend bool operator==(const HelloOk&, const HelloOk&) = default;
};

//! agent ⇄ server: liveness probe; the peer answers with Pong.
struct Ping {
  static constexpr std::string_view kType = "ping";  ///< Envelope type.

  std::string nonce{};  ///< Opaque, at most limits::kMaxNonceBytes; echoed in the Pong.
  TimePoint sent_at{};  ///< Sender's clock.

  friend bool operator==(const Ping&, const Ping&) = default;
};

//! agent ⇄ server: answer to Ping.
struct Pong {
  static constexpr std::string_view kType = "pong";  ///< Envelope type.

  std::string nonce{};  ///< The Ping's nonce.
  TimePoint sent_at{};  ///< Answering side's clock.

  friend bool operator==(const Pong&, const Pong&) = default;
};

// ---------------------------------------------------------------- schedules

//! One entry of a schedule set.
struct ScheduleEntry {
  std::string id{};                 ///< Schedule ULID.
  JobKind kind = JobKind::kBackup;  ///< What a fire asks the server to run.
  std::string cron{};               ///< robfig/cron v3 expression, non-empty.
  bool enabled = true;              ///< Disabled entries are kept but never fire.
  std::string timezone{};           ///< IANA zone name; empty = the host's local zone.
  uint32_t jitter_seconds = 0;      ///< Random delay before firing, 0..86400.

  friend bool operator==(const ScheduleEntry&, const ScheduleEntry&) = default;
};

//! server → agent: the full, versioned schedule set of the host (idempotent).
struct ScheduleSet {
  static constexpr std::string_view kType = "schedule.set";  ///< Envelope type.

  int64_t version = 0;                     ///< Canonical version, >= 0.
  std::vector<ScheduleEntry> schedules{};  ///< Every schedule, at most limits::kMaxSchedules.

  friend bool operator==(const ScheduleSet&, const ScheduleSet&) = default;
};

//! An entry of a schedule set the agent could not apply (and so never fires).
struct ScheduleRejection {
  std::string schedule_id{};  ///< Schedule ULID.
  std::string reason{};       ///< Why, for people ("unknown time zone ..."); cut to limits::kMaxErrorBytes.

  friend bool operator==(const ScheduleRejection&, const ScheduleRejection&) = default;
};

//! agent → server: the set with this version is now in force.
struct ScheduleAck {
  static constexpr std::string_view kType = "schedule.ack";  ///< Envelope type.

  int64_t version = 0;     ///< Version applied, >= 0.
  TimePoint applied_at{};  ///< When the new cron started.
  std::optional<std::vector<ScheduleRejection>>
      rejected{};  ///< Entries not applied (the server shows drift).

  friend bool operator==(const ScheduleAck&, const ScheduleAck&) = default;
};

//! agent → server: schedule S fired for slot T (the server decides the job).
struct ScheduleFire {
  static constexpr std::string_view kType = "schedule.fire";  ///< Envelope type.

  std::string schedule_id{};   ///< Schedule ULID.
  TimePoint scheduled_at{};    ///< The cron slot, not the send time.
  std::optional<bool> late{};  ///< True: the slot passed while the agent was down or disconnected.

  friend bool operator==(const ScheduleFire&, const ScheduleFire&) = default;
};

//! server → agent: what became of a schedule.fire. Any answer for a
//! (schedule_id, scheduled_at) lets the agent drop that fire from its outbox.
struct FireAnswer {
  static constexpr std::string_view kType = "fire.answer";  ///< Envelope type.

  std::string schedule_id{};                ///< The fire's schedule ULID.
  TimePoint scheduled_at{};                 ///< The fire's cron slot.
  FireOutcome outcome = FireOutcome::kJob;  ///< What the server did.
  std::vector<std::string> job_ids{};       ///< Job ULIDs made for the slot (may be empty).
  std::optional<std::string> reason{};      ///< Why (refused, deferred), for people.

  friend bool operator==(const FireAnswer&, const FireAnswer&) = default;
};

// ---------------------------------------------------------------- commands

//! Where restic reads and writes: everything the agent needs to open it.
struct Repository {
  std::string id{};   ///< Repository ULID.
  std::string url{};  ///< restic repository string (path, sftp:, rest:, s3:, ...).
  Secret password{};  ///< Repository password; never logged, never in argv.
  std::optional<std::map<std::string, Secret>> env{};  ///< Extra environment (e.g. AWS_*), values secret.

  friend bool operator==(const Repository&, const Repository&) = default;
};

//! What a backup reads.
struct SourceGroup {
  std::string id{};                     ///< Source group ULID.
  std::string name{};                   ///< Display name, non-empty.
  std::vector<std::string> paths{};     ///< Paths to back up, at least one.
  std::vector<std::string> excludes{};  ///< restic --exclude patterns.
  std::vector<std::string> tags{};      ///< Tags for the snapshot (no commas).

  friend bool operator==(const SourceGroup&, const SourceGroup&) = default;
};

//! restic forget policy; absent keep_* fields are not passed. The one
//! retention type: the REST API reads, stores (Schedule::retention_json,
//! Job::args_json) and answers it in this form (retention_schema.h).
struct Retention {
  std::optional<uint32_t> keep_last{};       ///< --keep-last, 1..1e6.
  std::optional<uint32_t> keep_hourly{};     ///< --keep-hourly, 1..1e6.
  std::optional<uint32_t> keep_daily{};      ///< --keep-daily, 1..1e6.
  std::optional<uint32_t> keep_weekly{};     ///< --keep-weekly, 1..1e6.
  std::optional<uint32_t> keep_monthly{};    ///< --keep-monthly, 1..1e6.
  std::optional<uint32_t> keep_yearly{};     ///< --keep-yearly, 1..1e6.
  std::optional<std::string> keep_within{};  ///< --keep-within duration, e.g. "1y6m" (units y m d h).
  std::vector<std::string> keep_tags{};      ///< --keep-tag values (no commas); may be left out.
  bool prune = false;                        ///< Pass --prune; may be left out (false).

  friend bool operator==(const Retention&, const Retention&) = default;
};

//! Options of a backup.
struct BackupOptions {
  std::vector<std::string> extra_tags{};  ///< Tags added to the source group's (no commas).
  std::optional<std::string> host{};      ///< --host override for the snapshot.

  friend bool operator==(const BackupOptions&, const BackupOptions&) = default;
};

//! Options of a check.
struct CheckOptions {
  std::optional<std::string> read_data_subset{};  ///< --read-data-subset: "n/t", "p%" or a size ("500M").

  friend bool operator==(const CheckOptions&, const CheckOptions&) = default;
};

//! Options of a restore (required for kind restore).
struct RestoreOptions {
  std::string snapshot_id{};                 ///< Snapshot to restore (8..64 lower-case hex).
  std::vector<std::string> include_paths{};  ///< --include paths; empty = everything.
  std::string target{};                      ///< Target directory on this host, non-empty.

  friend bool operator==(const RestoreOptions&, const RestoreOptions&) = default;
};

//! Options of a restore drill (kind drill); absent = these defaults.
struct DrillOptions {
  static constexpr uint32_t kDefaultSampleFiles = 20;                ///< Files sampled by default.
  static constexpr uint64_t kDefaultMaxBytes = uint64_t{256} << 20;  ///< 256 MiB restored at most by default.

  uint32_t sample_files = kDefaultSampleFiles;  ///< Regular files to sample, 1..1000.
  uint64_t max_bytes = kDefaultMaxBytes;        ///< Total bytes the sample may restore, 1 B..1 TiB.

  friend bool operator==(const DrillOptions&, const DrillOptions&) = default;
};

//! Kind-specific options; only the one matching the job kind is read.
struct JobOptions {
  std::optional<BackupOptions> backup{};    ///< For backup.
  std::optional<CheckOptions> check{};      ///< For check.
  std::optional<RestoreOptions> restore{};  ///< For restore (required there).
  std::optional<DrillOptions> drill{};      ///< For drill (absent = defaults).

  friend bool operator==(const JobOptions&, const JobOptions&) = default;
};

//! Commands run on the agent around restic.
struct Hooks {
  std::optional<std::string> pre{};   ///< Run before restic; failure fails the job.
  std::optional<std::string> post{};  ///< Run after restic with the outcome in its environment.
  uint32_t timeout_seconds = 300;     ///< Per hook, 1..86400.

  friend bool operator==(const Hooks&, const Hooks&) = default;
};

//! server → agent: run a job. The decoder also checks the kind's needs:
//! backup and drill need source_group, forget needs retention, restore needs options.restore.
struct CommandRun {
  static constexpr std::string_view kType = "command.run";  ///< Envelope type.

  std::string job_id{};                             ///< Job ULID.
  JobKind kind = JobKind::kBackup;                  ///< What to run.
  Repository repository{};                          ///< Where.
  std::optional<SourceGroup> source_group{};        ///< What to back up.
  std::optional<Retention> retention{};             ///< Forget policy.
  JobOptions options{};                             ///< Kind-specific options.
  std::optional<Hooks> hooks{};                     ///< Pre/post hooks.
  std::optional<std::string> schedule_id{};         ///< ULID of the schedule that caused it, if any.
  std::optional<TimePoint> scheduled_at{};          ///< Its cron slot, if any.
  std::optional<uint32_t> max_runtime_seconds{};    ///< Stop the job after this long (1 s..7 days);
                                                    ///< absent = the agent's default for the kind.
  std::optional<uint32_t> stall_timeout_seconds{};  ///< Stop it after this long without restic output
                                                    ///< (1 s..7 days); absent = the agent's default.

  friend bool operator==(const CommandRun&, const CommandRun&) = default;
};

//! server → agent: stop a job (SIGINT, then harder after a grace period).
struct CommandCancel {
  static constexpr std::string_view kType = "command.cancel";  ///< Envelope type.

  std::string job_id{};  ///< Job ULID.

  friend bool operator==(const CommandCancel&, const CommandCancel&) = default;
};

// ---------------------------------------------------------------- jobs

//! agent → server: the job began (hooks included).
struct JobStarted {
  static constexpr std::string_view kType = "job.started";  ///< Envelope type.

  std::string job_id{};                 ///< Job ULID.
  TimePoint started_at{};               ///< Agent clock.
  std::optional<int32_t> restic_pid{};  ///< restic's pid once spawned, >= 1.

  friend bool operator==(const JobStarted&, const JobStarted&) = default;
};

//! agent → server: mirrors restic's `status` message (a missing restic field is 0).
struct JobProgress {
  static constexpr std::string_view kType = "job.progress";  ///< Envelope type.

  std::string job_id{};                      ///< Job ULID.
  double percent_done = 0;                   ///< Fraction 0..1 (decoded with 1e-6 resolution).
  uint64_t total_files = 0;                  ///< Files found so far.
  uint64_t files_done = 0;                   ///< Files processed.
  uint64_t total_bytes = 0;                  ///< Bytes found so far.
  uint64_t bytes_done = 0;                   ///< Bytes processed.
  uint64_t seconds_elapsed = 0;              ///< Since restic started.
  uint64_t seconds_remaining = 0;            ///< restic's ETA.
  uint64_t error_count = 0;                  ///< Unreadable files so far.
  std::vector<std::string> current_files{};  ///< Files being read now (the encoder keeps the first 16).

  friend bool operator==(const JobProgress&, const JobProgress&) = default;
};

//! One line of job output.
struct LogLine {
  LogStream stream = LogStream::kStdout;  ///< Origin.
  std::string text{};                     ///< The line without newline (the encoder truncates long ones).
  TimePoint at{};                         ///< When the agent read it.

  friend bool operator==(const LogLine&, const LogLine&) = default;
};

//! agent → server: a batch of log lines; first_seq makes resends idempotent.
struct JobLog {
  static constexpr std::string_view kType = "job.log";  ///< Envelope type.

  std::string job_id{};          ///< Job ULID.
  uint64_t first_seq = 0;        ///< Sequence number of lines[0] within the job (0-based).
  std::vector<LogLine> lines{};  ///< At most limits::kMaxLogLines, and the frame must fit.

  friend bool operator==(const JobLog&, const JobLog&) = default;
};

//! restic backup's final `summary` message.
struct BackupSummary {
  uint64_t files_new = 0;                    ///< New files.
  uint64_t files_changed = 0;                ///< Changed files.
  uint64_t files_unmodified = 0;             ///< Unchanged files.
  uint64_t dirs_new = 0;                     ///< New directories.
  uint64_t dirs_changed = 0;                 ///< Changed directories.
  uint64_t dirs_unmodified = 0;              ///< Unchanged directories.
  uint64_t data_blobs = 0;                   ///< Data blobs added.
  uint64_t tree_blobs = 0;                   ///< Tree blobs added.
  uint64_t data_added = 0;                   ///< Bytes added to the repository.
  uint64_t total_files_processed = 0;        ///< Files read.
  uint64_t total_bytes_processed = 0;        ///< Bytes read.
  double total_duration = 0;                 ///< Seconds (decoded with 1 ms resolution).
  std::optional<std::string> snapshot_id{};  ///< Snapshot made (8-hex in restic 0.14, 64-hex later).

  friend bool operator==(const BackupSummary&, const BackupSummary&) = default;
};

//! What a stats job measured: `restic stats --json --mode raw-data` over the
//! whole repository and `--mode restore-size` over the latest snapshot of
//! each host × paths. Compression fields come only from repositories of
//! format 2 and restic versions that print them (0.14 does not; 0.16+ does).
struct RepositoryStats {
  uint64_t raw_data_bytes = 0;  ///< raw-data total_size: bytes stored (deduplicated, compressed).
  std::optional<uint64_t> uncompressed_bytes{};      ///< raw-data total_uncompressed_size.
  std::optional<double> compression_ratio{};         ///< raw-data compression_ratio (x, 1e-6 resolution).
  std::optional<double> compression_progress{};      ///< Percent of the data that is compressed, 0..100.
  std::optional<double> compression_space_saving{};  ///< Percent saved by compression, -100..100.
  uint64_t blobs = 0;                                ///< raw-data total_blob_count.
  uint64_t snapshots = 0;                            ///< raw-data snapshots_count: every snapshot.
  uint64_t restore_size_bytes = 0;                   ///< restore-size total_size of the latest snapshots.
  uint64_t restore_files = 0;                        ///< restore-size total_file_count.
  uint64_t restore_snapshots = 0;                    ///< Latest snapshots measured (one per host × paths).

  friend bool operator==(const RepositoryStats&, const RepositoryStats&) = default;
};

//! What a restore drill found. Each sampled regular file is restored and
//! ends in exactly one count: verified (restored with the size restic
//! recorded, and byte-equal to the live file, which has the snapshot's size
//! and mtime), size_only (restored with the recorded size; the live file
//! changed or is gone since, so it was not compared), mismatched (restored
//! with another size, or other bytes than the unchanged live file), or
//! unreadable (not restored, or the restored copy could not be read).
struct DrillSummary {
  static constexpr std::size_t kMaxExamples = 10;  ///< Example paths kept per list.

  std::string snapshot_id{};                    ///< The snapshot restored from (lower-case hex).
  uint64_t sampled = 0;                         ///< Files sampled.
  uint64_t verified = 0;                        ///< Byte-equal to the unchanged live file.
  uint64_t size_only = 0;                       ///< Right size; the live file changed, not compared.
  uint64_t mismatched = 0;                      ///< Wrong size or other bytes.
  uint64_t unreadable = 0;                      ///< Not restored or not readable.
  uint64_t bytes_restored = 0;                  ///< Bytes of the sample restic restored.
  std::vector<std::string> mismatched_paths{};  ///< Up to kMaxExamples mismatched paths.
  std::vector<std::string> unreadable_paths{};  ///< Up to kMaxExamples unreadable paths.

  friend bool operator==(const DrillSummary&, const DrillSummary&) = default;
};

//! One snapshot as `restic snapshots --json` lists it.
struct SnapshotInfo {
  std::string id{};                  ///< Full snapshot id (64 lower-case hex).
  std::string short_id{};            ///< restic's short id (8 hex).
  TimePoint time{};                  ///< When restic took it (senders clamp it into the wire range).
  std::string hostname{};            ///< Hostname restic recorded (may be empty).
  std::vector<std::string> paths{};  ///< Paths it holds, at most limits::kMaxPaths.
  std::vector<std::string> tags{};   ///< Its tags (no commas), at most limits::kMaxTags.

  friend bool operator==(const SnapshotInfo&, const SnapshotInfo&) = default;
};

//! Snapshots a job saw, for the server's index.
struct SnapshotIndex {
  bool complete = false;                  ///< Whole list: the server drops indexed snapshots not in it.
  std::vector<SnapshotInfo> snapshots{};  ///< At most limits::kMaxSnapshots.

  friend bool operator==(const SnapshotIndex&, const SnapshotIndex&) = default;
};

//! agent → server: how a job ended. Kept in the agent's outbox until ResultAck.
//! A failing post-hook sets error_kind hook_failed and error while status
//! stays restic's outcome (so succeeded may carry an error).
struct JobResult {
  static constexpr std::string_view kType = "job.result";  ///< Envelope type.

  std::string job_id{};                      ///< Job ULID.
  JobStatus status = JobStatus::kFailed;     ///< Outcome.
  std::optional<int32_t> exit_code{};        ///< restic's exit code 0..255; absent when restic did not run.
  std::optional<BackupSummary> summary{};    ///< Backup summary, when restic printed one.
  std::optional<std::string> snapshot_id{};  ///< Snapshot made, if any (lower-case hex).
  std::optional<std::string> error{};        ///< Human-readable error (the encoder truncates it).
  ErrorKind error_kind = ErrorKind::kNone;   ///< Classified error.
  TimePoint started_at{};                    ///< Agent clock.
  TimePoint finished_at{};                   ///< Agent clock (not checked against started_at: clocks jump).
  std::optional<SnapshotIndex> snapshot_index{};  ///< For the index (backup, forget, snapshots).
  std::optional<RepositoryStats> stats{};         ///< What a stats job measured.
  std::optional<DrillSummary> drill{};            ///< What a drill found.

  friend bool operator==(const JobResult&, const JobResult&) = default;
};

//! agent → server, periodically on a ready connection: what the agent still
//! knows about. A job the server thinks is running and finds in neither list is lost.
struct JobsRunning {
  static constexpr std::string_view kType = "jobs.running";  ///< Envelope type.

  std::vector<std::string> running_job_ids{};  ///< ULIDs of jobs running now.
  std::vector<std::string> unacked_job_ids{};  ///< ULIDs of results in the outbox awaiting result.ack.
  TimePoint at{};                              ///< Agent clock.

  friend bool operator==(const JobsRunning&, const JobsRunning&) = default;
};

//! server → agent: the result is stored; the agent may drop it from its outbox.
struct ResultAck {
  static constexpr std::string_view kType = "result.ack";  ///< Envelope type.

  std::string job_id{};  ///< Job ULID.

  friend bool operator==(const ResultAck&, const ResultAck&) = default;
};

// ---------------------------------------------------------------- browsing

//! server → agent: list one directory of a snapshot (restic ls --json).
struct BrowseRequest {
  static constexpr std::string_view kType = "browse.request";  ///< Envelope type.

  std::string request_id{};   ///< ULID echoed in the BrowseResult.
  Repository repository{};    ///< Where the snapshot is.
  std::string snapshot_id{};  ///< Snapshot (8..64 lower-case hex).
  std::string path{};         ///< Directory inside the snapshot, starting with '/'.

  friend bool operator==(const BrowseRequest&, const BrowseRequest&) = default;
};

//! One node of a snapshot directory.
struct BrowseEntry {
  std::string name{};                ///< Base name.
  NodeType type = NodeType::kFile;   ///< Node type.
  std::string path{};                ///< Full path inside the snapshot.
  uint64_t size = 0;                 ///< Bytes (0 for non-files).
  std::optional<TimePoint> mtime{};  ///< Modification time; absent when outside the wire range.
  std::string permissions{};         ///< restic's text form, e.g. "-rw-r--r--".

  friend bool operator==(const BrowseEntry&, const BrowseEntry&) = default;
};

//! agent → server: the listing, or why there is none.
struct BrowseResult {
  static constexpr std::string_view kType = "browse.result";  ///< Envelope type.

  std::string request_id{};            ///< The BrowseRequest's request_id.
  std::vector<BrowseEntry> entries{};  ///< Children of the directory.
  bool truncated = false;              ///< More entries existed than fit one frame.
  std::optional<std::string> error{};  ///< Set when listing failed (entries then empty).

  friend bool operator==(const BrowseResult&, const BrowseResult&) = default;
};

// ---------------------------------------------------------------- certificates

//! server → agent, after hello.ok and on every SIGHUP: the certificate the
//! server will rotate to. Sent only over TLS, so only over a connection the
//! agent already verified; a pinned agent accepts it beside its pin.
struct TlsNext {
  static constexpr std::string_view kType = "tls.next";  ///< Envelope type.

  std::string fingerprint{};  ///< "sha256:" and 64 lower-case hex digits of the next certificate's DER.

  friend bool operator==(const TlsNext&, const TlsNext&) = default;
};

// ---------------------------------------------------------------- agent updates

//! server → agent: install this release of the agent (docs/agent-updates.md).
//! The agent downloads the bundle from `path` on the server with its host
//! token, checks size and SHA-256, verifies `signature` against the update
//! key it pinned at enrollment, waits for running jobs to end, then restarts
//! into it; its supervisor rolls back when the new version does not
//! reconnect healthy. Idempotent: a repeat for the version being installed
//! or already running is answered again, not acted on twice.
struct AgentUpdate {
  static constexpr std::string_view kType = "agent.update";  ///< Envelope type.

  std::string rollout_id{};  ///< ULID of the rollout that asks (echoed in agent.update.status).
  std::string version{};     ///< Release version the bundle's manifest must name.
  std::string path{};        ///< Absolute URL path of the bundle on this server ("/api/v1/...").
  uint64_t size = 0;         ///< Bundle length in bytes, 1 B..1 GiB.
  std::string sha256{};      ///< 64 lower-case hex digits of the bundle's SHA-256.
  std::string
      signature{};  ///< 128 lower-case hex digits: Ed25519 signature (common/update/bundle_signature.h).

  friend bool operator==(const AgentUpdate&, const AgentUpdate&) = default;
};

//! agent → server: what became of an agent.update (also sent after hello.ok
//! when the supervisor rolled an update back while the server was away).
struct AgentUpdateStatus {
  static constexpr std::string_view kType = "agent.update.status";  ///< Envelope type.

  std::string rollout_id{};                         ///< The agent.update's rollout ULID.
  std::string version{};                            ///< The version it was about.
  UpdateOutcome outcome = UpdateOutcome::kRefused;  ///< What happened.
  std::optional<std::string> reason{};              ///< Why, for people (refusals, rollbacks).

  friend bool operator==(const AgentUpdateStatus&, const AgentUpdateStatus&) = default;
};

//! server → agent: go back from `version` to the version that ran before it
//! (docs/agent-updates.md). Sent when a rollout fails to the hosts of its
//! stopped wave that came up healthy on `version`. An agent running
//! supervised from that installed version with a previous one kept restarts
//! into the previous one and, after its next hello.ok, answers
//! agent.update.status `rolled_back`; one with nothing to go back to answers
//! `refused` with the reason. Idempotent: a repeat while it is going back, or
//! once it runs another version, changes nothing.
struct AgentRollback {
  static constexpr std::string_view kType = "agent.rollback";  ///< Envelope type.

  std::string rollout_id{};  ///< ULID of the failed rollout (echoed in agent.update.status).
  std::string version{};     ///< The version to leave.

  friend bool operator==(const AgentRollback&, const AgentRollback&) = default;
};

// ---------------------------------------------------------------- all of them

//! Every message; the alternative's kType is the envelope "type".
using Payload =
    std::variant<Hello, HelloOk, ScheduleSet, ScheduleAck, ScheduleFire, CommandRun, CommandCancel,
                 JobStarted, JobProgress, JobLog, JobResult, ResultAck, BrowseRequest, BrowseResult, Ping,
                 Pong, FireAnswer, JobsRunning, TlsNext, AgentUpdate, AgentUpdateStatus, AgentRollback>;

}  // namespace rmgr::protocol
