#include "server/scheduling/wire_mapping.h"

#include <boost/json.hpp>

#include "common/protocol/envelope.h"
#include "server/auth/secret_box.h"

namespace rmgr::server::scheduling {
namespace {

namespace json = boost::json;

// A stored JSON object, or an empty one.
json::object StoredObject(const std::string& text) {
  json::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return {};
  return std::move(value.as_object());
}

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

Error CannotRun(std::string why) { return MakeError(ErrorCode::kInvalidArgument, std::move(why)); }

// Decodes `payload` as a `T` with the wire protocol's strict decoder.
template <class T>
Result<T> DecodeAs(json::object payload) {
  const std::string frame = json::serialize(json::object{{"type", T::kType}, {"id", ""}, {"payload", std::move(payload)}});
  auto envelope = protocol::Decode(frame);
  if (!envelope) return envelope.error();
  return std::get<T>(std::move(envelope->payload));
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
    if (!protocol::FromString(store::ToString(s.kind), entry.kind)) continue;  // schedules are backup/forget/prune/check
    entry.cron = s.cron;
    entry.enabled = s.enabled;
    entry.timezone = s.timezone;
    entry.jitter_seconds = static_cast<uint32_t>(s.jitter.count());
    set.schedules.push_back(std::move(entry));
  }
  return set;
}

// The payload is assembled as JSON and decoded with the wire protocol's own
// strict decoder, so the server never sends a command.run the agent would
// refuse: what fails here fails the job with the decoder's reason instead.
Result<protocol::CommandRun> BuildCommandRun(store::ReadTx& tx, const store::Job& job,
                                             const auth::SecretBox& secrets) {
  if (!job.repository_id) return CannotRun("the job's repository was deleted");
  auto repository = tx.GetRepository(*job.repository_id);
  if (!repository) return CannotRun("the job's repository was deleted");
  auto password = secrets.Open(auth::SealedSecret{repository->secret_nonce, repository->secret_ciphertext});
  if (!password) return CannotRun("the repository password does not open with this server's key");

  json::object payload;
  payload["job_id"] = job.id;
  payload["kind"] = store::ToString(job.kind);
  payload["repository"] = json::object{{"id", repository->id}, {"url", repository->url}, {"password", *password}};
  if (job.source_group_id) {
    auto group = tx.GetSourceGroup(job.host_id, *job.source_group_id);
    if (!group) return CannotRun("the job's source group was deleted");
    payload["source_group"] = json::object{{"id", group->id},
                                           {"name", group->name},
                                           {"paths", Strings(group->paths)},
                                           {"excludes", Strings(group->excludes)},
                                           {"tags", Strings(group->tags)}};
  } else if (job.kind == store::JobKind::kBackup) {
    return CannotRun("a backup needs a source group and this job has none (was it deleted?)");
  }
  json::object args = StoredObject(job.args_json);
  if (auto* retention = args.if_contains("retention")) payload["retention"] = *retention;
  json::value options = json::object{};
  if (auto* stored = args.if_contains("options")) options = *stored;
  payload["options"] = std::move(options);
  if (job.schedule_id) {
    auto schedule = tx.GetScheduleById(*job.schedule_id);
    if (schedule && (!schedule->pre_hook.empty() || !schedule->post_hook.empty())) {
      json::object hooks{{"timeout_seconds", schedule->hook_timeout.count()}};
      if (!schedule->pre_hook.empty()) hooks["pre"] = schedule->pre_hook;
      if (!schedule->post_hook.empty()) hooks["post"] = schedule->post_hook;
      payload["hooks"] = std::move(hooks);
    }
    if (schedule && schedule->max_runtime.count() > 0) payload["max_runtime_seconds"] = schedule->max_runtime.count();
    payload["schedule_id"] = *job.schedule_id;
  }
  if (job.scheduled_at) payload["scheduled_at"] = FormatRfc3339Utc(*job.scheduled_at);

  auto command = DecodeAs<protocol::CommandRun>(std::move(payload));
  if (!command) {
    return CannotRun("cannot build the command: " + command.error().message +
                     (command.error().field.empty() ? "" : " (" + command.error().field + ")"));
  }
  return command;
}

Result<protocol::BrowseRequest> BuildBrowseRequest(store::ReadTx& tx, const std::string& request_id,
                                                   const std::string& repository_id, const std::string& snapshot_id,
                                                   const std::string& path, const auth::SecretBox& secrets) {
  auto repository = tx.GetRepository(repository_id);
  if (!repository) return repository.error();
  auto password = secrets.Open(auth::SealedSecret{repository->secret_nonce, repository->secret_ciphertext});
  if (!password) {
    return MakeError(ErrorCode::kInternal, "the repository password does not open with this server's key");
  }
  json::object payload;
  payload["request_id"] = request_id;
  payload["repository"] = json::object{{"id", repository->id}, {"url", repository->url}, {"password", *password}};
  payload["snapshot_id"] = snapshot_id;
  payload["path"] = path;
  auto request = DecodeAs<protocol::BrowseRequest>(std::move(payload));
  if (!request) {
    // Only the caller's values can be at fault: name them as the REST API does.
    Error error = request.error();
    error.code = ErrorCode::kInvalidArgument;
    if (error.field.find("snapshot_id") != std::string::npos) error.field = "snapshot_id";
    if (error.field.find("path") != std::string::npos) error.field = "path";
    return error;
  }
  return request;
}

store::JobResult ToStoreResult(const protocol::JobResult& result) {
  store::JobResult out;
  out.status = store::FromString<store::JobStatus>(protocol::ToString(result.status)).value_or(store::JobStatus::kFailed);
  if (result.exit_code) out.exit_code = *result.exit_code;
  out.error = result.error.value_or("");
  if (result.error_kind != protocol::ErrorKind::kNone) out.error_kind = protocol::ToString(result.error_kind);
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
  if (result.summary) {
    // The summary's JSON is the job.result's own "summary" member.
    protocol::JobResult only_summary;
    only_summary.summary = result.summary;
    const json::value frame = json::parse(protocol::Encode(protocol::Envelope{"", only_summary}));
    out.summary_json = json::serialize(frame.at("payload").at("summary"));
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
    out.stream = store::FromString<store::LogStream>(protocol::ToString(line.stream)).value_or(store::LogStream::kAgent);
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

}  // namespace rmgr::server::scheduling
