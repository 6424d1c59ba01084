#include "server/scheduling/wire_mapping.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "common/protocol/envelope.h"
#include "common/protocol/job_args.h"
#include "server/auth/secret_box.h"
#include "server/scheduling/repository_access.h"

namespace rmgr::server::scheduling {
namespace {

namespace json = boost::json;

Error CannotRun(std::string why) { return MakeError(ErrorCode::kInvalidArgument, std::move(why)); }

// Whether the peer will accept `message`: its wire rules, checked before it is sent.
template <class T>
Result<void> CheckWire(const T& message) {
  return protocol::Validate(protocol::Envelope{"", message});
}

}  // namespace

Result<protocol::ScheduleSet> BuildScheduleSet(store::ReadTx& tx, const std::string& host_id) {
  auto version = tx.GetHostScheduleVersion(host_id);
  if (!version) return version.error();
  auto schedules = tx.ListSchedulesByHost(host_id);
  if (!schedules) return schedules.error();
  protocol::ScheduleSet set;
  set.version = *version;
  for (const auto& s : *schedules) {
    protocol::ScheduleEntry entry;
    entry.id = s.id;
    entry.kind = s.kind;
    entry.cron = s.cron;
    entry.enabled = s.enabled;
    entry.timezone = s.timezone;
    entry.jitter_seconds = static_cast<uint32_t>(s.jitter.count());
    set.schedules.push_back(std::move(entry));
  }
  return set;
}

// The command is built as the struct it is and checked with the wire
// protocol's own rules (protocol::Validate), so the server never sends a
// command.run the agent would refuse: what fails here fails the job with the
// reason instead.
Result<protocol::CommandRun> BuildCommandRun(store::ReadTx& tx, const store::Job& job,
                                             const auth::SecretBox& secrets) {
  if (!job.repository_id) return CannotRun("the job's repository was deleted");
  auto repository = OpenRepositoryFor(tx, job.host_id, *job.repository_id, secrets);
  if (!repository) {
    if (repository.error().code == ErrorCode::kNotFound) return CannotRun("the job's repository was deleted");
    return CannotRun(repository.error().message);
  }

  protocol::CommandRun command;
  command.job_id = job.id;
  command.kind = job.kind;
  command.repository = std::move(*repository);
  if (job.source_group_id) {
    auto group = tx.GetSourceGroup(job.host_id, *job.source_group_id);
    if (!group) return CannotRun("the job's source group was deleted");
    command.source_group = protocol::SourceGroup{group->id, group->name, group->paths, group->excludes, group->tags};
  } else if (job.kind == store::JobKind::kBackup || job.kind == store::JobKind::kDrill) {
    return CannotRun("a " + std::string(store::ToString(job.kind)) +
                     " needs a source group and this job has none (was it deleted?)");
  }
  auto args = protocol::DecodeJobArgs(job.args_json);
  if (!args) return CannotRun("cannot read the job's arguments: " + args.error().Describe());
  command.retention = std::move(args->retention);
  if (args->options) command.options = std::move(*args->options);
  if (job.schedule_id) {
    auto schedule = tx.GetScheduleById(*job.schedule_id);
    if (schedule && (!schedule->pre_hook.empty() || !schedule->post_hook.empty())) {
      protocol::Hooks& hooks = command.hooks.emplace();
      // Past the wire's range on purpose when too large: CheckWire then names it.
      hooks.timeout_seconds = static_cast<uint32_t>(
          std::min<int64_t>(schedule->hook_timeout.count(), std::numeric_limits<uint32_t>::max()));
      if (!schedule->pre_hook.empty()) hooks.pre = schedule->pre_hook;
      if (!schedule->post_hook.empty()) hooks.post = schedule->post_hook;
    }
    if (schedule && schedule->max_runtime.count() > 0) {
      command.max_runtime_seconds = static_cast<uint32_t>(
          std::min<int64_t>(schedule->max_runtime.count(), std::numeric_limits<uint32_t>::max()));
    }
    command.schedule_id = job.schedule_id;
  }
  command.scheduled_at = job.scheduled_at;

  if (auto valid = CheckWire(command); !valid) {
    return CannotRun("cannot build the command: " + valid.error().message +
                     (valid.error().field.empty() ? "" : " (" + valid.error().field + ")"));
  }
  return command;
}

Result<protocol::BrowseRequest> BuildBrowseRequest(store::ReadTx& tx, const std::string& request_id,
                                                   const std::string& host_id,
                                                   const std::string& repository_id,
                                                   const std::string& snapshot_id, const std::string& path,
                                                   const auth::SecretBox& secrets) {
  auto repository = OpenRepositoryFor(tx, host_id, repository_id, secrets);
  if (!repository) return repository.error();
  protocol::BrowseRequest request;
  request.request_id = request_id;
  request.repository = std::move(*repository);
  request.snapshot_id = snapshot_id;
  request.path = path;
  if (auto valid = CheckWire(request); !valid) {
    // Only the caller's values can be at fault: name them as the REST API does.
    Error error = valid.error();
    error.code = ErrorCode::kInvalidArgument;
    if (error.field.find("snapshot_id") != std::string::npos) error.field = "snapshot_id";
    if (error.field.find("path") != std::string::npos) error.field = "path";
    return error;
  }
  return request;
}

store::JobResult ToStoreResult(const protocol::JobResult& result) {
  store::JobResult out;
  out.status = result.status;  // one vocabulary: the decoder admitted only wire statuses
  if (result.exit_code) out.exit_code = *result.exit_code;
  out.error = result.error.value_or("");
  out.error_kind = result.error_kind;
  out.snapshot_id = result.snapshot_id.value_or("");
  out.reported_finished_at = result.finished_at;
  // restic 0.14 names a new snapshot by its short id only; the index the
  // agent sent with the result knows the full one.
  if (!out.snapshot_id.empty() && out.snapshot_id.size() < 64 && result.snapshot_index) {
    const protocol::SnapshotInfo* match = nullptr;
    for (const auto& snapshot : result.snapshot_index->snapshots) {
      if (snapshot.id.rfind(out.snapshot_id, 0) != 0) continue;
      if (match != nullptr) {  // ambiguous: keep what restic said
        match = nullptr;
        break;
      }
      match = &snapshot;
    }
    if (match != nullptr) out.snapshot_id = match->id;
  }
  // The stored summary is the job.result's own member for the kind: restic's
  // backup summary, what a stats job measured, or what a drill found.
  protocol::JobResult only_summary;
  std::string_view member;
  if (result.summary) {
    only_summary.summary = result.summary;
    member = "summary";
  } else if (result.stats) {
    only_summary.stats = result.stats;
    member = "stats";
  } else if (result.drill) {
    only_summary.drill = result.drill;
    member = "drill";
  }
  if (!member.empty()) {
    const json::value frame = json::parse(protocol::Encode(protocol::Envelope{"", only_summary}));
    out.summary_json = json::serialize(frame.at("payload").at(member));
  }
  return out;
}

json::object ProgressObject(const protocol::JobProgress& progress) {
  json::value frame = json::parse(protocol::Encode(protocol::Envelope{"", progress}));
  json::object payload = std::move(frame.at("payload").as_object());
  payload.erase("job_id");
  return payload;
}

std::vector<store::JobLogLine> ToLogLines(const protocol::JobLog& log) {
  std::vector<store::JobLogLine> lines;
  lines.reserve(log.lines.size());
  int64_t seq = static_cast<int64_t>(log.first_seq);
  for (const auto& line : log.lines) {
    store::JobLogLine out;
    out.seq = seq++;
    out.stream = line.stream;
    out.at = line.at;
    out.text = line.text;
    lines.push_back(std::move(out));
  }
  return lines;
}

std::vector<store::Snapshot> ToSnapshots(const protocol::SnapshotIndex& index, const std::optional<std::string>& host_id) {
  std::vector<store::Snapshot> out;
  out.reserve(index.snapshots.size());
  for (const auto& info : index.snapshots) {
    store::Snapshot snapshot;
    snapshot.id = info.id;
    snapshot.short_id = info.short_id;
    snapshot.time = info.time;
    snapshot.hostname = info.hostname;
    snapshot.paths = info.paths;
    snapshot.tags = info.tags;
    snapshot.host_id = host_id;
    out.push_back(std::move(snapshot));
  }
  return out;
}

namespace {

int64_t Clamp(uint64_t value) {
  return static_cast<int64_t>(std::min<uint64_t>(value, std::numeric_limits<int64_t>::max()));
}

}  // namespace

store::RepositoryStatsRow ToStatsRow(const protocol::RepositoryStats& stats, const std::string& repository_id,
                                     const std::string& job_id, TimePoint at) {
  store::RepositoryStatsRow row;
  row.repository_id = repository_id;
  row.at = at;
  row.raw_data_bytes = Clamp(stats.raw_data_bytes);
  if (stats.uncompressed_bytes) row.uncompressed_bytes = Clamp(*stats.uncompressed_bytes);
  row.restore_size_bytes = Clamp(stats.restore_size_bytes);
  row.snapshots = Clamp(stats.snapshots);
  row.blobs = Clamp(stats.blobs);
  row.job_id = job_id;
  return row;
}

}  // namespace rmgr::server::scheduling
