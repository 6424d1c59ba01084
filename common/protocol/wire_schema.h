#pragma once
// Internal to common/protocol (include it only from common/protocol/*.cpp).
//
// The wire schema: one field list per message, in the order fields are
// written. This file is the contract; messages.h documents it for callers and
// field_codec.h explains how a field list is read and written.
// Thread safety: constants and stateless templates.

#include <cstdint>
#include <limits>
#include <string_view>

#include "common/protocol/job_args.h"
#include "common/protocol/limits.h"
#include "common/protocol/messages.h"
#include "common/protocol/retention_schema.h"
#include "common/schema/field_codec.h"
#include "common/schema/text_shapes.h"
#include "common/util/ulid.h"

namespace rmgr::protocol::detail {

using schema::Int;
using schema::Is;
using schema::List;
using schema::Map;
using schema::Plain;
using schema::Real;
using schema::Text;

using schema::IsAbsolutePath;
using schema::IsDataSubset;
using schema::IsEnvName;
using schema::IsLowerHex;
using schema::IsTag;
using schema::IsZoneName;

namespace lim = ::rmgr::protocol::limits;

inline constexpr Text kUlid{.min = 26, .max = 26, .shape = &IsUlid, .shape_name = "a ULID"};
inline constexpr Text kSnapshotId{.min = 8, .max = 64, .shape = &IsLowerHex, .shape_name = "lower-case hex"};
inline constexpr Text kName{.min = 1, .max = lim::kMaxNameBytes};
inline constexpr Text kPath{.min = 1, .max = lim::kMaxPathBytes};
inline constexpr Text kCommand{.min = 1, .max = lim::kMaxCommandBytes};
inline constexpr Text kError{.min = 0, .max = lim::kMaxErrorBytes, .cut_on_encode = true};
//! A certificate fingerprint: "sha256:" and 64 lower-case hex digits (common/tls/fingerprint.h).
inline bool IsFingerprintText(std::string_view text) {
  return text.size() == 71 && text.substr(0, 7) == "sha256:" && IsLowerHex(text.substr(7));
}
inline constexpr Text kFingerprint{
    .min = 71, .max = 71, .shape = &IsFingerprintText, .shape_name = "sha256:<64 lower-case hex digits>"};
inline constexpr Text kNonce{.min = 0, .max = lim::kMaxNonceBytes};
inline constexpr Int kCount{.min = 0, .max = lim::kMaxCount};
inline constexpr Int kLimitSeconds{.min = 1, .max = lim::kMaxWeekSeconds};
inline constexpr List kPaths{lim::kMaxPaths, kPath};
inline constexpr Text kAbsolutePath{
    .min = 1, .max = lim::kMaxPathBytes, .shape = &IsAbsolutePath, .shape_name = "an absolute path"};

// ---------------------------------------------------------------- connection

template <class F>
void Fields(F& f, Is<Hello> auto& s) {
  f("agent_version", s.agent_version, kName);
  f("restic_version", s.restic_version, Text{.min = 0, .max = lim::kMaxNameBytes});
  f("hostname", s.hostname, kName);
  f("os", s.os, kName);
  f("arch", s.arch, kName);
  f("applied_schedule_version", s.applied_schedule_version, kCount);
  f("running_job_ids", s.running_job_ids, List{lim::kMaxRunningJobs, kUlid});
  f("unacked_results", s.unacked_results, kCount);
  f("install_id", s.install_id, kUlid);
  f("unacked_job_ids", s.unacked_job_ids, List{lim::kMaxUnackedJobs, kUlid});
  f("restore_root", s.restore_root, kAbsolutePath);
  f("restore_anywhere", s.restore_anywhere);
  f("hook_policy", s.hook_policy);
  f("hook_allow", s.hook_allow, List{lim::kMaxHookAllow, kAbsolutePath});
}

template <class F>
void Fields(F& f, Is<HelloOk> auto& s) {
  f("host_id", s.host_id, kUlid);
  f("server_time", s.server_time);
}

template <class F>
void Fields(F& f, Is<Ping> auto& s) {
  f("nonce", s.nonce, kNonce);
  f("sent_at", s.sent_at);
}

template <class F>
void Fields(F& f, Is<Pong> auto& s) {
  f("nonce", s.nonce, kNonce);
  f("sent_at", s.sent_at);
}

// ---------------------------------------------------------------- schedules

template <class F>
void Fields(F& f, Is<ScheduleEntry> auto& s) {
  f("id", s.id, kUlid);
  f("kind", s.kind);
  f("cron", s.cron, Text{.min = 1, .max = lim::kMaxCronBytes});
  f("enabled", s.enabled);
  f("timezone", s.timezone,
    Text{.min = 0, .max = lim::kMaxTimezoneBytes, .shape = &IsZoneName, .shape_name = "an IANA zone name"});
  f("jitter_seconds", s.jitter_seconds, Int{.min = 0, .max = lim::kMaxDaySeconds});
}

template <class F>
void Fields(F& f, Is<ScheduleSet> auto& s) {
  f("version", s.version, kCount);
  f("schedules", s.schedules, List{lim::kMaxSchedules, Plain{}});
}

template <class F>
void Fields(F& f, Is<ScheduleRejection> auto& s) {
  f("schedule_id", s.schedule_id, kUlid);
  f("reason", s.reason, kError);
}

template <class F>
void Fields(F& f, Is<ScheduleAck> auto& s) {
  f("version", s.version, kCount);
  f("applied_at", s.applied_at);
  f("rejected", s.rejected, List{lim::kMaxSchedules, Plain{}});
}

template <class F>
void Fields(F& f, Is<ScheduleFire> auto& s) {
  f("schedule_id", s.schedule_id, kUlid);
  f("scheduled_at", s.scheduled_at);
  f("late", s.late);
}

template <class F>
void Fields(F& f, Is<TlsNext> auto& s) {
  f("fingerprint", s.fingerprint, kFingerprint);
}

template <class F>
void Fields(F& f, Is<FireAnswer> auto& s) {
  f("schedule_id", s.schedule_id, kUlid);
  f("scheduled_at", s.scheduled_at);
  f("outcome", s.outcome);
  f("job_ids", s.job_ids, List{lim::kMaxFireJobs, kUlid});
  f("reason", s.reason, kError);
}

// ---------------------------------------------------------------- agent updates

//! A release version (common/update/release_version.h): also a directory name on the agent.
inline bool IsReleaseVersionText(std::string_view text) {
  if (text.empty() || text.size() > 64 || text.find("..") != std::string_view::npos) return false;
  const auto alnum = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  if (!alnum(text.front())) return false;
  for (char c : text) {
    if (!alnum(c) && c != '.' && c != '+' && c != '-') return false;
  }
  return true;
}
inline constexpr Text kReleaseVersion{
    .min = 1, .max = 64, .shape = &IsReleaseVersionText, .shape_name = "a release version"};
inline constexpr Text kSha256{.min = 64, .max = 64, .shape = &IsLowerHex, .shape_name = "lower-case hex"};
inline constexpr Text kSignature{
    .min = 128, .max = 128, .shape = &IsLowerHex, .shape_name = "lower-case hex"};

template <class F>
void Fields(F& f, Is<AgentUpdate> auto& s) {
  f("rollout_id", s.rollout_id, kUlid);
  f("version", s.version, kReleaseVersion);
  f("path", s.path, kAbsolutePath);
  f("size", s.size, Int{.min = 1, .max = int64_t{1} << 30});
  f("sha256", s.sha256, kSha256);
  f("signature", s.signature, kSignature);
}

template <class F>
void Fields(F& f, Is<AgentUpdateStatus> auto& s) {
  f("rollout_id", s.rollout_id, kUlid);
  f("version", s.version, kReleaseVersion);
  f("outcome", s.outcome);
  f("reason", s.reason, kError);
}

template <class F>
void Fields(F& f, Is<AgentRollback> auto& s) {
  f("rollout_id", s.rollout_id, kUlid);
  f("version", s.version, kReleaseVersion);
}

// ---------------------------------------------------------------- commands

template <class F>
void Fields(F& f, Is<Repository> auto& s) {
  f("id", s.id, kUlid);
  f("url", s.url, Text{.min = 1, .max = lim::kMaxUrlBytes});
  f("password", s.password, Text{.min = 1, .max = lim::kMaxSecretBytes});
  f("env", s.env,
    Map{lim::kMaxEnv,
        Text{.min = 1, .max = lim::kMaxNameBytes, .shape = &IsEnvName, .shape_name = "a variable name"},
        Text{.min = 0, .max = lim::kMaxSecretBytes}});
}

template <class F>
void Fields(F& f, Is<SourceGroup> auto& s) {
  f("id", s.id, kUlid);
  f("name", s.name, kName);
  f("paths", s.paths, kPaths);
  f("excludes", s.excludes, kPaths);
  f("tags", s.tags, kTags);
  f.Expect(!s.paths.empty(), ErrorCode::kOutOfRange, "paths", "a source group needs at least one path");
}

// Retention: common/protocol/retention_schema.h (the REST API reads it too).

template <class F>
void Fields(F& f, Is<BackupOptions> auto& s) {
  f("extra_tags", s.extra_tags, kTags);
  f("host", s.host, kName);
}

template <class F>
void Fields(F& f, Is<CheckOptions> auto& s) {
  f("read_data_subset", s.read_data_subset,
    Text{.min = 1, .max = 32, .shape = &IsDataSubset, .shape_name = "n/t, p% or a size"});
}

template <class F>
void Fields(F& f, Is<RestoreOptions> auto& s) {
  f("snapshot_id", s.snapshot_id, kSnapshotId);
  f("include_paths", s.include_paths, kPaths);
  f("target", s.target, kPath);
}

template <class F>
void Fields(F& f, Is<DrillOptions> auto& s) {
  f("sample_files", s.sample_files, schema::OrDefault{Int{.min = 1, .max = 1000}});
  f("max_bytes", s.max_bytes, schema::OrDefault{Int{.min = 1, .max = std::int64_t{1} << 40}});
}

template <class F>
void Fields(F& f, Is<JobOptions> auto& s) {
  f("backup", s.backup);
  f("check", s.check);
  f("restore", s.restore);
  f("drill", s.drill);
}

template <class F>
void Fields(F& f, Is<JobArgs> auto& s) {
  f("retention", s.retention);
  f("options", s.options);
}

template <class F>
void Fields(F& f, Is<Hooks> auto& s) {
  f("pre", s.pre, kCommand);
  f("post", s.post, kCommand);
  f("timeout_seconds", s.timeout_seconds, Int{.min = 1, .max = lim::kMaxDaySeconds});
}

template <class F>
void Fields(F& f, Is<CommandRun> auto& s) {
  f("job_id", s.job_id, kUlid);
  f("kind", s.kind);
  f("repository", s.repository);
  f("source_group", s.source_group);
  f("retention", s.retention);
  f("options", s.options);
  f("hooks", s.hooks);
  f("schedule_id", s.schedule_id, kUlid);
  f("scheduled_at", s.scheduled_at);
  f("max_runtime_seconds", s.max_runtime_seconds, kLimitSeconds);
  f("stall_timeout_seconds", s.stall_timeout_seconds, kLimitSeconds);
  f.Expect(s.kind != JobKind::kBackup || s.source_group.has_value(), ErrorCode::kMissingField, "source_group",
           "a backup needs a source group");
  f.Expect(s.kind != JobKind::kDrill || s.source_group.has_value(), ErrorCode::kMissingField, "source_group",
           "a drill needs a source group");
  f.Expect(s.kind != JobKind::kForget || s.retention.has_value(), ErrorCode::kMissingField, "retention",
           "a forget needs a retention policy");
  f.Expect(s.kind != JobKind::kRestore || s.options.restore.has_value(), ErrorCode::kMissingField, "options",
           "a restore needs options.restore");
}

template <class F>
void Fields(F& f, Is<CommandCancel> auto& s) {
  f("job_id", s.job_id, kUlid);
}

// ---------------------------------------------------------------- jobs

template <class F>
void Fields(F& f, Is<JobStarted> auto& s) {
  f("job_id", s.job_id, kUlid);
  f("started_at", s.started_at);
  f("restic_pid", s.restic_pid, Int{.min = 1, .max = std::numeric_limits<std::int32_t>::max()});
}

template <class F>
void Fields(F& f, Is<JobProgress> auto& s) {
  f("job_id", s.job_id, kUlid);
  f("percent_done", s.percent_done, Real{.min = 0, .max = 1, .scale = 1e6});
  f("total_files", s.total_files, kCount);
  f("files_done", s.files_done, kCount);
  f("total_bytes", s.total_bytes, kCount);
  f("bytes_done", s.bytes_done, kCount);
  f("seconds_elapsed", s.seconds_elapsed, kCount);
  f("seconds_remaining", s.seconds_remaining, kCount);
  f("error_count", s.error_count, kCount);
  f("current_files", s.current_files,
    List{lim::kMaxCurrentFiles, Text{.min = 0, .max = lim::kMaxPathBytes, .cut_on_encode = true}, true});
}

template <class F>
void Fields(F& f, Is<LogLine> auto& s) {
  f("stream", s.stream);
  f("text", s.text, Text{.min = 0, .max = lim::kMaxLogLineBytes, .cut_on_encode = true});
  f("at", s.at);
}

template <class F>
void Fields(F& f, Is<JobLog> auto& s) {
  f("job_id", s.job_id, kUlid);
  f("first_seq", s.first_seq, kCount);
  f("lines", s.lines, List{lim::kMaxLogLines, Plain{}});
}

template <class F>
void Fields(F& f, Is<BackupSummary> auto& s) {
  f("files_new", s.files_new, kCount);
  f("files_changed", s.files_changed, kCount);
  f("files_unmodified", s.files_unmodified, kCount);
  f("dirs_new", s.dirs_new, kCount);
  f("dirs_changed", s.dirs_changed, kCount);
  f("dirs_unmodified", s.dirs_unmodified, kCount);
  f("data_blobs", s.data_blobs, kCount);
  f("tree_blobs", s.tree_blobs, kCount);
  f("data_added", s.data_added, kCount);
  f("total_files_processed", s.total_files_processed, kCount);
  f("total_bytes_processed", s.total_bytes_processed, kCount);
  f("total_duration", s.total_duration, Real{.min = 0, .max = 1e9, .scale = 1e3});
  f("snapshot_id", s.snapshot_id, kSnapshotId);
}

template <class F>
void Fields(F& f, Is<RepositoryStats> auto& s) {
  f("raw_data_bytes", s.raw_data_bytes, kCount);
  f("uncompressed_bytes", s.uncompressed_bytes, kCount);
  f("compression_ratio", s.compression_ratio, Real{.min = 0, .max = 1e6, .scale = 1e6});
  f("compression_progress", s.compression_progress, Real{.min = 0, .max = 100, .scale = 1e6});
  f("compression_space_saving", s.compression_space_saving, Real{.min = -100, .max = 100, .scale = 1e6});
  f("blobs", s.blobs, kCount);
  f("snapshots", s.snapshots, kCount);
  f("restore_size_bytes", s.restore_size_bytes, kCount);
  f("restore_files", s.restore_files, kCount);
  f("restore_snapshots", s.restore_snapshots, kCount);
}

template <class F>
void Fields(F& f, Is<DrillSummary> auto& s) {
  const List examples{DrillSummary::kMaxExamples,
                      Text{.min = 1, .max = lim::kMaxPathBytes, .cut_on_encode = true}, true};
  const Int files{.min = 0, .max = 1000};  // at most DrillOptions::sample_files
  f("snapshot_id", s.snapshot_id, kSnapshotId);
  f("sampled", s.sampled, files);
  f("verified", s.verified, files);
  f("size_only", s.size_only, files);
  f("mismatched", s.mismatched, files);
  f("unreadable", s.unreadable, files);
  f("bytes_restored", s.bytes_restored, kCount);
  f("mismatched_paths", s.mismatched_paths, examples);
  f("unreadable_paths", s.unreadable_paths, examples);
  f.Expect(s.verified + s.size_only + s.mismatched + s.unreadable == s.sampled, ErrorCode::kOutOfRange,
           "sampled", "every sampled file is counted once");
}

template <class F>
void Fields(F& f, Is<SnapshotInfo> auto& s) {
  f("id", s.id, Text{.min = 64, .max = 64, .shape = &IsLowerHex, .shape_name = "lower-case hex"});
  f("short_id", s.short_id, Text{.min = 8, .max = 8, .shape = &IsLowerHex, .shape_name = "lower-case hex"});
  f("time", s.time);
  f("hostname", s.hostname, Text{.min = 0, .max = lim::kMaxNameBytes});
  f("paths", s.paths, kPaths);
  f("tags", s.tags, kTags);
}

template <class F>
void Fields(F& f, Is<SnapshotIndex> auto& s) {
  f("complete", s.complete);
  f("snapshots", s.snapshots, List{lim::kMaxSnapshots, Plain{}});
}

template <class F>
void Fields(F& f, Is<JobResult> auto& s) {
  f("job_id", s.job_id, kUlid);
  f("status", s.status);
  f("exit_code", s.exit_code, Int{.min = 0, .max = 255});
  f("summary", s.summary);
  f("snapshot_id", s.snapshot_id, kSnapshotId);
  f("error", s.error, kError);
  f("error_kind", s.error_kind);
  f("started_at", s.started_at);
  f("finished_at", s.finished_at);
  f("snapshot_index", s.snapshot_index);
  f("stats", s.stats);
  f("drill", s.drill);
}

template <class F>
void Fields(F& f, Is<JobsRunning> auto& s) {
  f("running_job_ids", s.running_job_ids, List{lim::kMaxRunningJobs, kUlid});
  f("unacked_job_ids", s.unacked_job_ids, List{lim::kMaxUnackedJobs, kUlid});
  f("at", s.at);
}

template <class F>
void Fields(F& f, Is<ResultAck> auto& s) {
  f("job_id", s.job_id, kUlid);
}

// ---------------------------------------------------------------- browsing

template <class F>
void Fields(F& f, Is<BrowseRequest> auto& s) {
  f("request_id", s.request_id, kUlid);
  f("repository", s.repository);
  f("snapshot_id", s.snapshot_id, kSnapshotId);
  f("path", s.path,
    Text{.min = 1, .max = lim::kMaxPathBytes, .shape = &IsAbsolutePath, .shape_name = "an absolute path"});
}

template <class F>
void Fields(F& f, Is<BrowseEntry> auto& s) {
  f("name", s.name, Text{.min = 0, .max = lim::kMaxPathBytes});
  f("type", s.type);
  f("path", s.path, Text{.min = 0, .max = lim::kMaxPathBytes});
  f("size", s.size, kCount);
  f("mtime", s.mtime);
  f("permissions", s.permissions, Text{.min = 0, .max = 32});
}

template <class F>
void Fields(F& f, Is<BrowseResult> auto& s) {
  f("request_id", s.request_id, kUlid);
  f("entries", s.entries, List{lim::kMaxBrowseEntries, Plain{}});
  f("truncated", s.truncated);
  f("error", s.error, kError);
}

}  // namespace rmgr::protocol::detail

namespace rmgr::protocol {
// The codec (rmgr::schema) finds a message's field list by argument-dependent
// lookup in the message's namespace.
using detail::Fields;
}  // namespace rmgr::protocol
