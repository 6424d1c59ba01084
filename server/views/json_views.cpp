#include "server/views/json_views.h"

#include "common/update/release_version.h"

namespace rmgr::server::views {

namespace json = boost::json;

namespace {

json::array StringArray(const std::vector<std::string>& items) {
  json::array out;
  out.reserve(items.size());
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

json::value OptText(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

}  // namespace

json::value TimeJson(TimePoint time) {
  return json::value(FormatRfc3339Utc(time));
}

json::value TimeJson(const std::optional<TimePoint>& time) {
  return time ? TimeJson(*time) : json::value(nullptr);
}

json::value TextOrNull(std::string_view text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::value StoredJson(std::string_view text) {
  if (text.empty()) return nullptr;
  json::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  return ec ? json::value(nullptr) : value;
}

json::object LabelsJson(const labels::Labels& labels) {
  json::object out;
  for (const auto& [key, value] : labels) out[key] = value;
  return out;
}

json::object HostJson(const store::Host& host) {
  json::object out;
  out["id"] = host.id;
  out["name"] = host.name;
  out["hostname"] = TextOrNull(host.hostname);
  out["os"] = TextOrNull(host.os);
  out["arch"] = TextOrNull(host.arch);
  out["agent_version"] = TextOrNull(host.agent_version);
  // Behind the server's own release: the host list flags it, a rollout updates it.
  out["agent_behind"] =
      !host.agent_version.empty() && update::CompareVersions(host.agent_version, update::kBuildVersion) < 0;
  out["restic_version"] = TextOrNull(host.restic_version);
  out["mode"] = host.always_on ? "always_on" : "intermittent";
  out["connected"] = host.connected;
  out["last_seen_at"] = TimeJson(host.last_seen_at);
  out["last_backup_at"] = TimeJson(host.last_backup_at);
  out["current_job_id"] = OptText(host.current_job_id);
  out["schedule_version"] = json::object{{"canonical", host.schedule_version_canonical},
                                         {"applied", host.schedule_version_applied},
                                         {"applied_at", TimeJson(host.schedule_applied_at)}};
  // Entries the agent could not apply with its last ack: they never fire (drift).
  json::value rejected = StoredJson(host.schedule_rejected_json);
  out["schedule_rejected"] = rejected.is_array() ? rejected : json::value(json::array{});
  // A second agent installation used this host's token and was refused.
  out["install_conflict_at"] = TimeJson(host.install_conflict_at);
  out["labels"] = LabelsJson(host.labels);
  // The agent's local policy as its last hello reported it (null before one).
  json::array hook_allow;
  for (const auto& program : host.hook_allow) hook_allow.emplace_back(program);
  out["agent_policy"] = host.restore_root.empty() && host.hook_policy.empty()
                            ? json::value(nullptr)
                            : json::value(json::object{{"restore_root", TextOrNull(host.restore_root)},
                                                       {"restore_anywhere", host.restore_anywhere},
                                                       {"hook_policy", TextOrNull(host.hook_policy)},
                                                       {"hook_allow", std::move(hook_allow)}});
  out["created_at"] = TimeJson(host.created_at);
  return out;
}

json::object EnrollmentTokenJson(const store::EnrollmentToken& token, TimePoint now) {
  json::object out;
  out["id"] = token.id;
  out["name"] = token.name;
  // The host it enrolls into: the pre-registered one, else the one it made.
  out["host_id"] = OptText(token.host_id ? token.host_id : token.used_by_host);
  out["created_at"] = TimeJson(token.created_at);
  out["expires_at"] = TimeJson(token.expires_at);
  out["used_at"] = TimeJson(token.used_at);
  out["revoked_at"] = TimeJson(token.revoked_at);
  out["max_uses"] = token.max_uses;
  out["use_count"] = token.use_count;
  out["last_used_at"] = TimeJson(token.last_used_at);
  out["labels"] = LabelsJson(token.labels);
  out["status"] = ToString(token.StatusAt(now));
  return out;
}

json::object RepositoryJson(const store::Repository& repository) {
  json::object out;
  out["id"] = repository.id;
  out["name"] = repository.name;
  out["url"] = repository.url;
  out["has_password"] = !repository.secret_ciphertext.empty();
  out["max_concurrent_backups"] = repository.max_concurrent_backups;
  out["maintenance_cron"] = repository.maintenance_cron;
  out["maintenance_minutes"] = repository.maintenance_minutes;
  out["created_at"] = TimeJson(repository.created_at);
  out["updated_at"] = TimeJson(repository.updated_at);
  return out;
}

json::object SnapshotJson(const store::Snapshot& snapshot) {
  json::object out;
  out["id"] = snapshot.id;
  out["short_id"] = snapshot.short_id;
  out["time"] = TimeJson(snapshot.time);
  out["hostname"] = snapshot.hostname;
  out["paths"] = StringArray(snapshot.paths);
  out["tags"] = StringArray(snapshot.tags);
  out["host_id"] = OptText(snapshot.host_id);
  return out;
}

json::object SourceGroupJson(const store::SourceGroup& group) {
  json::object out;
  out["id"] = group.id;
  out["host_id"] = group.host_id;
  out["name"] = group.name;
  out["paths"] = StringArray(group.paths);
  out["excludes"] = StringArray(group.excludes);
  out["tags"] = StringArray(group.tags);
  out["created_at"] = TimeJson(group.created_at);
  out["updated_at"] = TimeJson(group.updated_at);
  return out;
}

json::object ScheduleJson(const store::Schedule& schedule, int64_t schedule_version,
                          const std::vector<std::string>& next_fires) {
  json::object out;
  out["id"] = schedule.id;
  out["host_id"] = schedule.host_id;
  out["name"] = schedule.name;
  out["kind"] = ToString(schedule.kind);
  out["cron"] = schedule.cron;
  out["timezone"] = schedule.timezone;
  out["repository_id"] = schedule.repository_id;
  out["source_group_ids"] = StringArray(schedule.source_group_ids);
  json::value retention = StoredJson(schedule.retention_json);
  // "{}" is stored for "no policy"; the contract answers null then.
  if (const auto* obj = retention.if_object(); obj != nullptr && obj->empty()) retention = nullptr;
  out["retention"] = std::move(retention);
  json::value options = StoredJson(schedule.options_json);
  if (!options.is_object()) options = json::object{};
  out["options"] = std::move(options);
  out["pre_hook"] = TextOrNull(schedule.pre_hook);
  out["post_hook"] = TextOrNull(schedule.post_hook);
  out["hook_timeout_seconds"] = schedule.hook_timeout.count();
  out["enabled"] = schedule.enabled;
  out["jitter_seconds"] = schedule.jitter.count();
  out["max_runtime_seconds"] = schedule.max_runtime.count();
  out["next_fires"] = StringArray(next_fires);
  out["schedule_version"] = schedule_version;
  out["created_at"] = TimeJson(schedule.created_at);
  out["updated_at"] = TimeJson(schedule.updated_at);
  return out;
}

json::object JobJson(const store::Job& job) {
  json::object out;
  out["id"] = job.id;
  out["host_id"] = job.host_id;
  out["kind"] = ToString(job.kind);
  out["status"] = ToString(job.status);
  out["actor_kind"] = ToString(job.actor_kind);
  out["actor_id"] = TextOrNull(job.actor_id);
  out["schedule_id"] = OptText(job.schedule_id);
  out["source_group_id"] = OptText(job.source_group_id);
  out["repository_id"] = OptText(job.repository_id);
  out["scheduled_at"] = TimeJson(job.scheduled_at);
  out["created_at"] = TimeJson(job.created_at);
  out["dispatched_at"] = TimeJson(job.dispatched_at);
  out["started_at"] = TimeJson(job.started_at);
  out["finished_at"] = TimeJson(job.finished_at);
  out["exit_code"] = job.exit_code ? json::value(*job.exit_code) : json::value(nullptr);
  out["error"] = TextOrNull(job.error);
  out["error_kind"] = TextOrNull(job.error_kind == store::ErrorKind::kNone ? "" : ToString(job.error_kind));
  out["snapshot_id"] = TextOrNull(job.snapshot_id);
  json::value args = StoredJson(job.args_json);
  if (!args.is_object()) args = json::object{};
  out["args"] = std::move(args);
  out["summary"] = StoredJson(job.summary_json);
  out["progress"] = StoredJson(job.progress_json);
  out["wait_reason"] = TextOrNull(job.wait_reason);
  return out;
}

json::object JobLogJson(const store::JobLogLine& line) {
  return json::object{
      {"seq", line.seq}, {"stream", ToString(line.stream)}, {"at", TimeJson(line.at)}, {"text", line.text}};
}

json::object AuditJson(const store::AuditEntry& entry) {
  json::object out;
  out["id"] = entry.id;
  out["at"] = TimeJson(entry.at);
  out["actor_kind"] = ToString(entry.actor_kind);
  out["actor_id"] = entry.actor_id;
  out["action"] = entry.action;
  out["target_kind"] = entry.target_kind;
  out["target_id"] = entry.target_id;
  out["source_addr"] = entry.source_addr;
  json::value detail = StoredJson(entry.detail_json);
  if (!detail.is_object()) detail = json::object{};
  out["detail"] = std::move(detail);
  return out;
}

json::object AlertJson(const store::Alert& alert) {
  json::object out;
  out["id"] = alert.id;
  out["kind"] = ToString(alert.kind);
  out["severity"] = ToString(alert.severity);
  out["state"] = ToString(alert.state);
  out["host_id"] = alert.host_id;
  out["host_name"] = alert.host_name;
  out["schedule_id"] = OptText(alert.schedule_id);
  out["source_group_id"] = OptText(alert.source_group_id);
  out["repository_id"] = OptText(alert.repository_id);
  out["job_id"] = OptText(alert.job_id);
  out["subject"] = alert.subject;
  out["reason"] = alert.reason;
  out["started_at"] = TimeJson(alert.started_at);
  out["updated_at"] = TimeJson(alert.updated_at);
  out["resolved_at"] = TimeJson(alert.resolved_at);
  out["acknowledged_at"] = TimeJson(alert.acknowledged_at);
  out["acknowledged_by"] = OptText(alert.acknowledged_by);
  out["silenced_until"] = TimeJson(alert.silenced_until);
  out["silenced_by"] = OptText(alert.silenced_by);
  out["last_notified_at"] = TimeJson(alert.last_notified_at);
  out["notify_count"] = alert.notify_count;
  return out;
}

json::object RepositoryStatsJson(const store::RepositoryStatsRow& row) {
  json::object out;
  out["at"] = TimeJson(row.at);
  out["raw_data_bytes"] = row.raw_data_bytes;
  out["uncompressed_bytes"] =
      row.uncompressed_bytes ? json::value(*row.uncompressed_bytes) : json::value(nullptr);
  out["restore_size_bytes"] = row.restore_size_bytes;
  out["snapshots"] = row.snapshots;
  out["blobs"] = row.blobs;
  out["job_id"] = row.job_id ? json::value(*row.job_id) : json::value(nullptr);
  return out;
}

}  // namespace rmgr::server::views
